"""The agreement lifecycle: every status change goes through here, leaves a history row and, where
partners care, an outbox event in the same transaction.

draft -> sent -> signed -> active -> expiring -> expired; sent -> declined (-> sent again);
cancelled from any state that is not over; sent or declined -> superseded when a newer service
agreement for the same term is sent to the client (one agreement in force per client and term, also a
database constraint). Renewal opens the next term as a new agreement.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from accounts.actors import SYSTEM
from contracts.models import (
    IN_FORCE,
    Agreement,
    AgreementEvent,
    AgreementStatus,
    ClientStanding,
    ContractVersion,
)
from events.services import record_event
from memberships import services as memberships
from memberships.models import BillingCycle, OfferKind, Plan, PlanOffer
from memberships.selectors import current_subscription
from service_levels.engine import FIRST_YEAR, LAST_YEAR
from tenants.localtime import tenant_today

S = AgreementStatus
ALLOWED = {
    S.DRAFT: {S.SENT, S.CANCELLED},
    S.SENT: {S.SENT, S.SIGNED, S.DECLINED, S.CANCELLED, S.SUPERSEDED},
    S.DECLINED: {S.SENT, S.CANCELLED, S.SUPERSEDED},
    S.SIGNED: {S.ACTIVE, S.CANCELLED, S.SUPERSEDED},
    S.ACTIVE: {S.EXPIRING, S.EXPIRED, S.CANCELLED, S.SUPERSEDED},
    S.EXPIRING: {S.EXPIRED, S.CANCELLED, S.SUPERSEDED},
    S.EXPIRED: set(),
    S.CANCELLED: set(),
    S.SUPERSEDED: set(),
}
# Unsigned agreements whose link is out with the client: a newer one sent for the same term replaces them.
WITHDRAWN_BY_A_NEWER = (S.SENT, S.DECLINED)
EVENTS = {status: f"agreement.{status}" for status in (S.SENT, S.SIGNED, S.DECLINED, S.EXPIRING, S.EXPIRED,
                                                       S.CANCELLED)}  # fmt: skip
EVENTS[S.ACTIVE] = "agreement.activated"


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(starts_on: date, months: int) -> date:
    """The last day of a term of ``months`` starting on ``starts_on`` (a year from 1 Jan ends 31 Dec)."""
    return date.fromordinal(add_months(starts_on, months).toordinal() - 1)


def record_history(agreement: Agreement, kind: str, *, actor: str, from_status: str = "", to_status: str = "",
                   **details) -> AgreementEvent:  # fmt: skip
    return AgreementEvent.objects.create(
        tenant_id=agreement.tenant_id, agreement=agreement, kind=kind, from_status=from_status,
        to_status=to_status, actor=actor or SYSTEM, details=details,
    )  # fmt: skip


def client_terms_changed(client_id: int, *, why: str) -> None:
    """The client's contract changed (signed, renewed, expired, cancelled, held to basic triage): record
    ``client.terms_changed`` in the caller's transaction. Tickets subscribes to it and re-reads the SLA
    targets of the client's open tickets; a rolled-back change records nothing, so moves nothing."""
    record_event("client.terms_changed", client_id=client_id, why=why)


def _transition(
    agreement: Agreement, to_status: str, *, actor: str, kind: str | None = None, **details
) -> Agreement:
    # Lock the row: two workers (or a worker and a person) never move one agreement twice.
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    from_status = agreement.status
    if to_status not in ALLOWED[S(from_status)]:
        raise ValidationError(
            f"An agreement that is {S(from_status).label.lower()} cannot become {S(to_status).label.lower()}."
        )
    agreement.status = to_status
    agreement.save(update_fields=["status", "updated_at"])
    if to_status in (S.SIGNED, S.EXPIRED, S.CANCELLED):  # a supplement amends the terms too
        document = "supplement" if agreement.parent_id else "service contract"
        client_terms_changed(agreement.client_id, why=f"{document} {S(to_status).label.lower()}")
    record_history(
        agreement, kind or to_status, actor=actor, from_status=from_status, to_status=to_status, **details
    )
    if to_status in EVENTS:
        record_event(
            EVENTS[to_status], agreement_id=agreement.pk, client_id=agreement.client_id,
            version_id=agreement.version_id, status=to_status, **details,
        )  # fmt: skip
    return agreement


@transaction.atomic
def create_agreement(*, client, version: ContractVersion, actor: str, starts_on: date | None = None,
                     plan: Plan | None = None, riders=(), billing_cycle: str = BillingCycle.MONTHLY,
                     plan_price: Decimal | None = None, parent: Agreement | None = None,
                     renewed_from: Agreement | None = None) -> Agreement:  # fmt: skip
    """A draft agreement for ``client`` on a published version. Dates are set on signing unless given.
    With a plan or riders, the agreement offers that membership: signing it starts the membership (a
    service contract) or changes it (a supplement)."""
    if not version.is_published:
        raise ValidationError("Only a published version can be offered to a client.")
    if version.tenant_id != client.tenant_id or (parent and parent.client_id != client.pk):
        raise ValidationError("The version and the parent agreement must belong to this client's company.")
    if starts_on is not None and not FIRST_YEAR <= starts_on.year <= LAST_YEAR:  # the SLA engine's range
        raise ValidationError({"starts_on": f"An agreement starts between {FIRST_YEAR} and {LAST_YEAR}."})
    agreement = Agreement.objects.create(
        tenant_id=client.tenant_id, client=client, version=version, parent=parent, renewed_from=renewed_from,
        starts_on=starts_on, ends_on=term_end(starts_on, version.term_months) if starts_on else None,
        auto_renew=version.auto_renew,
    )  # fmt: skip
    record_history(agreement, "created", actor=actor, to_status=S.DRAFT, version=str(version))
    if plan is not None or riders:
        memberships.attach_offer(
            agreement, kind=OfferKind.CHANGE if parent else OfferKind.START, tier=plan, riders=riders,
            cycle=billing_cycle, tier_price=plan_price, requested_by=actor,
        )  # fmt: skip
    return agreement


@transaction.atomic
def mark_sent(agreement: Agreement, *, actor: str, to: str = "") -> Agreement:
    """Sent (again): an older unsigned service agreement of the client for the same term is withdrawn,
    so the client has one agreement to sign and its old link says what replaced it."""
    kind = "resent" if agreement.status == S.SENT else "sent"
    agreement = _transition(agreement, S.SENT, actor=actor, kind=kind, to=to)
    supersede_older_unsigned(agreement, actor=actor)
    return agreement


def _same_term(newer: Agreement):
    """Agreements whose term may overlap ``newer``'s (a term without dates overlaps any)."""
    if newer.starts_on is None:
        return Q()
    undated = Q(starts_on__isnull=True)
    overlapping = Q(starts_on__lte=newer.ends_on or date.max) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=newer.starts_on)
    )
    return undated | overlapping


def _supersede_the_one_in_force(newer: Agreement, *, actor: str) -> None:
    """A newer service agreement signed for a term the client already has one for replaces it: the older
    one is superseded (pointing at the newer), so only one is ever in force, as the database insists."""
    if newer.parent_id is not None:
        return
    in_force = (
        Agreement.objects.filter(client_id=newer.client_id, parent__isnull=True, status__in=IN_FORCE)
        .filter(_same_term(newer))
        .exclude(pk=newer.pk)
        .order_by("pk")
    )
    for older in in_force:
        older = _transition(
            older, S.SUPERSEDED, actor=actor, kind="superseded", superseded_by=newer.pk,
            version=str(newer.version),
        )  # fmt: skip
        older.superseded_by = newer
        older.save(update_fields=["superseded_by", "updated_at"])


def supersede_older_unsigned(newer: Agreement, *, actor: str) -> list[Agreement]:
    """Withdraw the client's older unsigned service agreements for ``newer``'s term: superseded, pointing
    at ``newer``. Supplements are left alone (several may amend one contract)."""
    if newer.parent_id is not None:
        return []
    older = (
        Agreement.objects.filter(
            client_id=newer.client_id,
            parent__isnull=True,
            status__in=WITHDRAWN_BY_A_NEWER,
            created_at__lte=newer.created_at,
        )
        .filter(_same_term(newer))
        .exclude(pk=newer.pk)
        .order_by("pk")
    )
    superseded = []
    for agreement in older:
        agreement = _transition(
            agreement, S.SUPERSEDED, actor=actor, kind="superseded", superseded_by=newer.pk,
            version=str(newer.version),
        )  # fmt: skip
        agreement.superseded_by = newer
        agreement.save(update_fields=["superseded_by", "updated_at"])
        superseded.append(agreement)
    return superseded


@transaction.atomic
def mark_signed(agreement: Agreement, *, actor: str, signature_id: int | None = None) -> Agreement:
    """Signed: the term starts today unless a start was agreed; a term already started is active at once.
    The client is no longer held to basic triage."""
    today = tenant_today()
    if agreement.starts_on is None:
        # Dated before it counts as in force: the database checks its term against the client's others. A
        # supplement has no term of its own: it amends from today and ends with the agreement it amends.
        ends_on = (
            agreement.parent.ends_on
            if agreement.parent_id
            else term_end(today, agreement.version.term_months)
        )
        Agreement.objects.filter(pk=agreement.pk, status=S.SENT, starts_on__isnull=True).update(
            starts_on=today, ends_on=ends_on
        )
    agreement.refresh_from_db(fields=["starts_on", "ends_on"])
    # In this transaction: if the signature is refused below, the older agreement stays in force.
    _supersede_the_one_in_force(agreement, actor=actor)
    agreement = _transition(agreement, S.SIGNED, actor=actor, signature_id=signature_id)
    ClientStanding.objects.filter(client_id=agreement.client_id, basic_triage_only=True).update(
        basic_triage_only=False, reason=f"Signed {agreement.version} on {today:%d %b %Y}."
    )
    if agreement.parent_id is None:
        _carry_membership(agreement, actor=actor)
    if agreement.starts_on <= today:
        agreement = _transition(agreement, S.ACTIVE, actor=SYSTEM, kind="activated")
    return agreement


def _carry_membership(agreement: Agreement, *, actor: str) -> None:
    """A newly signed service contract carries the client's membership: an existing one moves to it (a
    different plan it offers becomes a change, applied by billing with its proration), else the plan it
    offers starts on its first day."""
    if agreement.renewed_from_id is not None and memberships.carry_over_to_renewal(
        agreement.renewed_from, agreement, on=max(agreement.starts_on, tenant_today()), actor=actor
    ):
        return
    subscription = current_subscription(agreement.client)
    if subscription is not None and (
        subscription.ends_on is None or subscription.ends_on > agreement.starts_on
    ):
        memberships.move_to_agreement(subscription, agreement, actor=actor)
        PlanOffer.objects.filter(agreement=agreement, applied_at__isnull=True).update(kind=OfferKind.CHANGE)
        return
    memberships.apply_start_offer(agreement, on=agreement.starts_on, actor=actor)


@transaction.atomic
def renew_without_signature(previous: Agreement, *, version: ContractVersion, actor: str) -> Agreement:
    """The next term of an auto-renewing agreement whose version is still current: in force from the day
    after the previous term, without a new signature (the client's signature on this version stands).
    Records ``agreement.renewed``; the new term is active once it has started."""
    if version.pk != previous.version_id:
        raise ValidationError(
            "The contract changed since the last term: the client must sign the new version."
        )
    starts_on = previous.ends_on + timedelta(days=1)
    renewal = Agreement.objects.create(
        tenant_id=previous.tenant_id, client_id=previous.client_id, version=version, renewed_from=previous,
        status=S.SIGNED, starts_on=starts_on, ends_on=term_end(starts_on, version.term_months),
        auto_renew=previous.auto_renew,
    )  # fmt: skip
    memberships.carry_over_to_renewal(previous, renewal, on=starts_on, actor=actor)
    record_history(
        renewal, "auto_renewed", actor=actor, to_status=S.SIGNED, renewed_from=previous.pk,
        version=str(version), note="Renewed automatically on the same version: no new signature needed.",
    )  # fmt: skip
    record_history(previous, "renewed", actor=actor, renewal_id=renewal.pk)
    client_terms_changed(renewal.client_id, why="service contract renewed")
    record_event(
        "agreement.renewed", agreement_id=renewal.pk, renewed_from=previous.pk, client_id=renewal.client_id,
        version_id=version.pk, starts_on=str(starts_on),
    )  # fmt: skip
    return activate_if_started(renewal, today=tenant_today())


@transaction.atomic
def decline(agreement: Agreement, *, actor: str, reason: str) -> Agreement:
    if not reason.strip():
        raise ValidationError({"reason": "Please say why, so the team can follow up."})
    agreement = _transition(agreement, S.DECLINED, actor=actor, reason=reason.strip())
    agreement.declined_reason = reason.strip()
    agreement.save(update_fields=["declined_reason", "updated_at"])
    return agreement


@transaction.atomic
def cancel(agreement: Agreement, *, actor: str, reason: str = "") -> Agreement:
    """Cancelled: a membership riding on it stops at the end of the period the client paid for."""
    agreement = _transition(agreement, S.CANCELLED, actor=actor, reason=reason)
    subscription = current_subscription(agreement.client)
    if (
        subscription is not None
        and subscription.agreement_id == agreement.pk
        and subscription.ends_on is None
    ):
        memberships.cancel_at_period_end(
            subscription, on=tenant_today(), actor=actor, reason="the service contract was cancelled"
        )
    return agreement


@transaction.atomic
def activate_if_started(agreement: Agreement, *, today: date) -> Agreement:
    if agreement.status == S.SIGNED and agreement.starts_on and agreement.starts_on <= today:
        return _transition(agreement, S.ACTIVE, actor=SYSTEM, kind="activated")
    return agreement


@transaction.atomic
def mark_expiring(agreement: Agreement, *, days_left: int) -> Agreement:
    return _transition(agreement, S.EXPIRING, actor=SYSTEM, days_left=days_left)


@transaction.atomic
def mark_expired(agreement: Agreement) -> Agreement:
    """Expired without a renewal: no contract, so no paid membership after its last day."""
    agreement = _transition(agreement, S.EXPIRED, actor=SYSTEM, ended_on=str(agreement.ends_on))
    subscription = current_subscription(agreement.client)
    if subscription is not None and subscription.agreement_id == agreement.pk:
        memberships.end_subscription(
            subscription, on=agreement.ends_on + timedelta(days=1), actor=SYSTEM,
            why="the service contract expired without a renewal",
        )  # fmt: skip
    return agreement
