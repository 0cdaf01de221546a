"""Renewals: the daily run over one tenant's agreements, and the renewal pipeline page's figures.

``run_renewals(today)`` is idempotent and safe to run twice at once (two beat deliveries, a manual
run next to the scheduled one): every agreement is locked (``SELECT … FOR UPDATE``) and re-read before
it changes, and each renewal reminder is claimed by inserting its ``RenewalReminder`` row (unique per
agreement and threshold) before anything is emailed: the second run's insert waits for the first one's
transaction and then finds the row, so it sends nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.actors import actor_label
from contracts import agreements
from contracts.campaigns import send_agreement_for_signature, signers_of
from contracts.documents import money
from contracts.emails import send_templated_email
from contracts.models import Agreement, AgreementStatus, ContractVersion, RenewalReminder
from contracts.versions import current_published_version
from memberships.selectors import PlanTerms, recurring_by_agreement
from memberships.selectors import monthly_recurring_revenue as memberships_mrr
from tenants.localtime import tenant_today
from tenants.models import StaffMembership
from tenants.roles import Role
from tenants.scope import current_tenant

logger = logging.getLogger(__name__)

S = AgreementStatus
# Days before the end of a term at which staff and the client are reminded (a setting may change them).
RENEWAL_REMINDER_DAYS: tuple[int, ...] = tuple(
    sorted(getattr(settings, "ACCORD_RENEWAL_REMINDER_DAYS", (60, 30, 7)), reverse=True)
)
STAFF_ROLES = (Role.OWNER, Role.MANAGER)
RUNNING = (S.ACTIVE, S.EXPIRING)
RENEWAL_RUN = actor_label(system="renewal run")

CLIENT_TEMPLATE = "contracts/email/renewal_reminder_client"
STAFF_TEMPLATE = "contracts/email/renewal_reminder_staff"


@dataclass
class RenewalRun:
    """What one run did, for logs and tests."""

    activated: list[int] = field(default_factory=list)
    expiring: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    renewed: list[int] = field(default_factory=list)  # new terms opened without a signature
    sent_for_signature: list[int] = field(default_factory=list)  # renewals on a new version
    reminders: list[tuple[int, int]] = field(default_factory=list)  # (agreement id, days before)
    emails: int = 0
    failed: list[int] = field(default_factory=list)


def _main_agreements():
    """Service agreements and their renewals; supplements follow their parent and are not renewed."""
    return Agreement.objects.filter(parent__isnull=True)


def _each_locked(ids, step: Callable[[Agreement], None], run: RenewalRun) -> None:
    """Run ``step`` on each agreement under its row lock, each in its own savepoint: one agreement that
    fails (a bad address, a broken template) is logged and skipped, the others go on."""
    for agreement_id in ids:
        try:
            with transaction.atomic():
                agreement = (
                    Agreement.objects.select_for_update(of=("self",))
                    .select_related("version__template", "client")
                    .get(pk=agreement_id)
                )
                step(agreement)
        except Exception:
            logger.exception("renewal run: agreement %s failed", agreement_id)
            run.failed.append(agreement_id)


def current_version_for(agreement: Agreement) -> ContractVersion:
    """The version a renewal is offered on: the template's current published one (or the same)."""
    return current_published_version(agreement.version.template) or agreement.version


def _renewal_of(agreement: Agreement) -> Agreement | None:
    return agreement.renewals.exclude(status=S.CANCELLED).order_by("-created_at").first()


def _open_renewal(agreement: Agreement, run: RenewalRun) -> Agreement | None:
    """The next term, once: same version still current -> a new active agreement without a signature
    (the history says why); the version changed -> a new agreement on the current version, emailed for
    signature. Call with the agreement locked."""
    if not agreement.auto_renew or agreement.ends_on is None or _renewal_of(agreement) is not None:
        return None
    version = current_version_for(agreement)
    if version.pk == agreement.version_id:
        renewal = agreements.renew_without_signature(agreement, version=version, actor=RENEWAL_RUN)
        run.renewed.append(renewal.pk)
        return renewal
    renewal = agreements.create_agreement(
        client=agreement.client, version=version, actor=RENEWAL_RUN,
        starts_on=agreement.ends_on + timedelta(days=1), renewed_from=agreement,
    )  # fmt: skip
    agreements.record_history(
        renewal, "renewal_needs_signature", actor=RENEWAL_RUN, renewed_from=agreement.pk,
        previous_version=str(agreement.version), version=str(version),
        note="The contract changed since the last term: the client is asked to sign the new version.",
    )  # fmt: skip
    agreements.record_history(agreement, "renewal_sent", actor=RENEWAL_RUN, renewal_id=renewal.pk)
    try:
        send_agreement_for_signature(
            renewal, actor=RENEWAL_RUN, deadline=agreement.ends_on,
            note=f"Your agreement ends on {agreement.ends_on:%d %B %Y}. Our terms have changed since you "
            "signed, so the next term needs your signature.",
        )  # fmt: skip
    except Exception as error:  # no signer: staff see it on the pipeline and in the history
        agreements.record_history(renewal, "not_delivered", actor=RENEWAL_RUN, reason=str(error))
    run.sent_for_signature.append(renewal.pk)
    return renewal


# --- The steps of a run ---------------------------------------------------------------------------


def _activate(today: date, run: RenewalRun) -> None:
    ids = _main_agreements().filter(status=S.SIGNED, starts_on__lte=today).values_list("pk", flat=True)

    def step(agreement):
        if agreements.activate_if_started(agreement, today=today).status == S.ACTIVE:
            run.activated.append(agreement.pk)

    _each_locked(list(ids), step, run)
    # Supplements start with their own signature; activate them the same way (no renewal of their own).
    supplements = Agreement.objects.filter(parent__isnull=False, status=S.SIGNED, starts_on__lte=today)
    _each_locked(list(supplements.values_list("pk", flat=True)), step, run)


def _expire(today: date, run: RenewalRun) -> None:
    ids = Agreement.objects.filter(status__in=RUNNING, ends_on__lt=today).values_list("pk", flat=True)

    def step(agreement):
        if agreement.status not in RUNNING or agreement.ends_on >= today:
            return  # another run got here first
        # Renew first: a renewal on the same version takes the membership along, so expiring the old term
        # does not end it (expiring ends a membership still riding on the old term).
        if agreement.parent_id is None:
            _open_renewal(agreement, run)
        agreements.mark_expired(agreement)
        run.expired.append(agreement.pk)

    _each_locked(list(ids), step, run)


def _mark_expiring(today: date, run: RenewalRun) -> None:
    """Inside the notice window (the version's ``notice_days``): expiring; a renewal on a changed
    version is sent now, so the client can sign before the term ends."""
    candidates = _main_agreements().filter(status=S.ACTIVE, ends_on__gte=today).select_related("version")
    ids = [a.pk for a in candidates if (a.ends_on - today).days <= a.version.notice_days]

    def step(agreement):
        if agreement.status != S.ACTIVE:
            return
        agreements.mark_expiring(agreement, days_left=(agreement.ends_on - today).days)
        run.expiring.append(agreement.pk)
        if current_version_for(agreement).pk != agreement.version_id:
            _open_renewal(agreement, run)

    _each_locked(ids, step, run)


def _threshold(days_left: int) -> int | None:
    """The reminder due with ``days_left`` days to go: the nearest threshold reached (a run that missed
    a day still sends one reminder, not one per threshold passed)."""
    reached = [days for days in RENEWAL_REMINDER_DAYS if days >= days_left]
    return min(reached) if reached else None


def claim_reminder(agreement: Agreement, days_before: int) -> bool:
    """Insert the reminder's row; False when it exists (sent already, or by a concurrent run, whose
    insert this one waits for). INSERT … ON CONFLICT semantics through get_or_create's savepoint."""
    try:
        _, created = RenewalReminder.objects.get_or_create(
            agreement=agreement, days_before=days_before, defaults={"tenant_id": agreement.tenant_id}
        )
    except IntegrityError:  # pragma: no cover - get_or_create re-reads after a conflict; belt and braces
        return False
    return created


def staff_to_remind() -> list[str]:
    memberships = StaffMembership.objects.filter(is_active=True, role__in=STAFF_ROLES, user__is_active=True)
    return sorted({m.user.email for m in memberships.select_related("user") if m.user.email})


def client_addresses(agreement: Agreement) -> list[str]:
    emails = sorted({c.email for c in signers_of(agreement.client)})
    return emails or ([agreement.client.email] if agreement.client.email else [])


def _remind(today: date, run: RenewalRun) -> None:
    horizon = today + timedelta(days=max(RENEWAL_REMINDER_DAYS, default=0))
    ids = (
        _main_agreements()
        .filter(status__in=(S.SIGNED, *RUNNING), ends_on__gte=today, ends_on__lte=horizon)
        .values_list("pk", flat=True)
    )
    staff = staff_to_remind()

    def step(agreement):
        if agreement.status not in (S.SIGNED, *RUNNING):
            return
        days_left = (agreement.ends_on - today).days
        threshold = _threshold(days_left)
        if threshold is None or not claim_reminder(agreement, threshold):
            return
        renewal = _renewal_of(agreement)
        context = {
            "agreement": agreement, "client": agreement.client, "days_left": days_left,
            "ends_on": agreement.ends_on, "renewal": renewal,
            "plan": recurring_by_agreement([agreement.pk], on=today).get(agreement.pk),
            "monthly_fee": money(_monthly_fee(agreement, today), current_tenant().currency),
            "renews_on_same_version": current_version_for(agreement).pk == agreement.version_id,
            "site_url": settings.SITE_URL,
        }  # fmt: skip
        when = f"in {days_left} day{'s' if days_left != 1 else ''}" if days_left else "today"
        # A client who already signed the next term needs no reminder; staff still see it coming.
        clients = [] if renewal is not None and renewal.is_in_force else client_addresses(agreement)
        for email in clients:
            send_templated_email(
                to=email, template=CLIENT_TEMPLATE, related=agreement, context=context,
                subject=f"Your service agreement with {current_tenant().name} "
                f"{'renews' if agreement.auto_renew else 'ends'} {when}",
            )  # fmt: skip
            run.emails += 1
        for email in staff:
            send_templated_email(
                to=email, template=STAFF_TEMPLATE, related=agreement, context=context,
                subject=f"Renewal: {agreement.client} {'renews' if agreement.auto_renew else 'ends'} {when}",
            )  # fmt: skip
            run.emails += 1
        run.reminders.append((agreement.pk, threshold))

    _each_locked(list(ids), step, run)


def run_renewals(today: date | None = None) -> RenewalRun:
    """The daily renewal run for the current tenant (call inside its scope; ``today`` is the tenant's
    date). In order: activate signed agreements whose start has come; mark ended ones expired and open
    their next term (auto-renewal); mark those inside the notice window expiring; send the renewal
    reminders due (to owners and managers, and to the client's signers), each once per agreement and
    threshold. Idempotent; events: agreement.expiring / expired / signed / sent through the lifecycle."""
    today = today or tenant_today()
    run = RenewalRun()
    _activate(today, run)
    _expire(today, run)
    _mark_expiring(today, run)
    _remind(today, run)
    logger.info(
        "renewal run %s: %d activated, %d expiring, %d expired, %d renewed, %d sent, %d reminders",
        today, len(run.activated), len(run.expiring), len(run.expired), len(run.renewed),
        len(run.sent_for_signature), len(run.reminders),
    )  # fmt: skip
    return run


# --- The renewal pipeline -------------------------------------------------------------------------

BUCKETS = ((0, 30, "Next 30 days"), (31, 60, "31–60 days"), (61, 90, "61–90 days"))


@dataclass
class PipelineRow:
    agreement: Agreement
    days_left: int
    renewal: Agreement | None
    outlook_kind: str  # what will happen at the end: one of OUTLOOKS
    outlook: str  # the same in words
    plan: PlanTerms | None = None  # the membership riding on the agreement, if any

    @property
    def monthly_fee(self) -> Decimal:
        return self.plan.monthly_value if self.plan else Decimal("0")


@dataclass
class PipelineBucket:
    label: str
    first_day: int
    last_day: int
    rows: list[PipelineRow]
    monthly_total: Decimal

    @property
    def count(self) -> int:
        return len(self.rows)


OUTLOOKS = ("renewed", "renewal_declined", "renewal_sent", "ends", "needs_signature", "auto_renews")


def _outlook(agreement: Agreement, renewal: Agreement | None, current: ContractVersion) -> tuple[str, str]:
    """What happens at the end of the term: (one of OUTLOOKS, in words)."""
    if renewal is not None:
        if renewal.is_in_force:
            return "renewed", "Renewed"
        if renewal.status == S.DECLINED:
            return "renewal_declined", "Renewal declined"
        return "renewal_sent", "New version sent for signature"
    if not agreement.auto_renew:
        return "ends", "Ends: no auto-renewal"
    if current.pk != agreement.version_id:
        return "needs_signature", f"Needs signature on v{current.number}"
    return "auto_renews", "Auto-renews"


def _ending_within(today: date, *, days: int):
    """Service agreements in force whose term ends from ``today`` to ``days`` days later (included)."""
    return _main_agreements().filter(
        status__in=(S.SIGNED, *RUNNING), ends_on__gte=today, ends_on__lte=today + timedelta(days=days)
    )


def renewals_due(today: date | None = None, *, days: int = 30) -> int:
    """How many service agreements in force end in the next ``days`` days: the pipeline's first bucket
    for 30 (one count query, for the home page)."""
    return _ending_within(today or tenant_today(), days=days).count()


def renewal_pipeline(today: date | None = None) -> list[PipelineBucket]:
    """Service agreements in force that end in the next 30, 31–60 and 61–90 days, with the monthly
    recurring revenue at stake in each bucket."""
    today = today or tenant_today()
    ending = (
        _ending_within(today, days=90)
        .select_related("client", "version__template")
        .prefetch_related("renewals")
        .order_by("ends_on", "client__name")
    )
    current_by_template: dict[int, ContractVersion] = {}
    buckets = []
    rows_by_bucket: dict[int, list[PipelineRow]] = {index: [] for index in range(len(BUCKETS))}
    ending = list(ending)
    plans = recurring_by_agreement([agreement.pk for agreement in ending], on=today)
    for agreement in ending:
        template_id = agreement.version.template_id
        if template_id not in current_by_template:
            current_by_template[template_id] = current_version_for(agreement)
        renewal = next(
            (r for r in sorted(agreement.renewals.all(), key=lambda r: r.created_at, reverse=True)
             if r.status != S.CANCELLED),
            None,
        )  # fmt: skip
        days_left = (agreement.ends_on - today).days
        outlook_kind, outlook = _outlook(agreement, renewal, current_by_template[template_id])
        index = next(i for i, (first, last, _) in enumerate(BUCKETS) if first <= days_left <= last)
        rows_by_bucket[index].append(
            PipelineRow(agreement, days_left, renewal, outlook_kind, outlook, plans.get(agreement.pk))
        )
    for index, (first, last, label) in enumerate(BUCKETS):
        rows = rows_by_bucket[index]
        total = sum((row.monthly_fee for row in rows), Decimal("0"))
        buckets.append(PipelineBucket(label, first, last, rows, total))
    return buckets


def _monthly_fee(agreement: Agreement, today: date) -> Decimal:
    plan = recurring_by_agreement([agreement.pk], on=today).get(agreement.pk)
    return plan.monthly_value if plan else Decimal("0")


def monthly_recurring_revenue(today: date | None = None) -> Decimal:
    """Recurring monthly revenue of all memberships in force (for "at stake" as a share of the whole)."""
    return memberships_mrr(on=today or tenant_today())
