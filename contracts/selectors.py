"""Reads of contracts: what a client has signed, and what that means for service."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import Case, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When

from accounts.actors import staff_email_of
from clients.models import Client
from contracts.models import (
    IN_FORCE,
    Agreement,
    AgreementEvent,
    AgreementStatus,
    CampaignRecipient,
    CampaignStatus,
    ClientStanding,
    Signature,
    TemplateKind,
)
from memberships.selectors import PlanTerms, plan_terms
from service_levels.models import IssueType
from service_levels.selectors import EffectiveSla, effective_sla
from tenants.localtime import tenant_localtime, tenant_today
from tenants.models import StaffMembership
from tenants.trigram import best_matches


@dataclass(frozen=True)
class TermSource:
    """The signed document a term comes from: the service agreement or one of its supplements."""

    agreement_id: int
    title: str
    version: int
    is_supplement: bool = False

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @classmethod
    def of(cls, agreement: Agreement) -> TermSource:
        return cls(
            agreement.pk, agreement.version.title, agreement.version.number, agreement.parent_id is not None
        )


# The terms a version may carry, term by term. A supplement carries a term when it says something about
# it: coverage rules, an hourly rate, billing terms, or (SLA) a membership change its signature applied.
# The after-hours multiplier goes with the rates (a supplement without rates keeps the agreement's).
TERMS = (
    "sla",
    "coverage",
    "hourly_rate_remote",
    "hourly_rate_onsite",
    "after_hours_multiplier",
    "billing_terms",
)
TERM_LABELS = {
    "sla": "SLA (plan and response times)",
    "coverage": "What is covered",
    "hourly_rate_remote": "Remote hourly rate",
    "hourly_rate_onsite": "On-site hourly rate",
    "after_hours_multiplier": "After-hours multiplier",
    "billing_terms": "Billing terms",
}


@dataclass(frozen=True)
class ContractTerms:
    """What the client's service contract says on a day, for the effective-SLA selector, the coverage
    decision and the banners: the agreement in force, overlaid term by term by its signed supplements
    that have started (later ones win). ``sources`` names the document each term comes from."""

    agreement: Agreement | None
    has_signed_contract: bool
    basic_triage_only: bool
    grace_until: date | None
    plan: PlanTerms
    supplements: tuple[Agreement, ...] = ()
    coverage: tuple[dict, ...] = ()
    hourly_rate_remote: Decimal = Decimal("0")
    hourly_rate_onsite: Decimal = Decimal("0")
    after_hours_multiplier: Decimal = Decimal("1")
    billing_terms: str = ""
    sources: dict[str, TermSource] = field(default_factory=dict)

    @property
    def tier(self) -> str:
        """The tier's name ("" without one), for pages and emails."""
        return self.plan.tier_name

    @property
    def riders(self) -> tuple[str, ...]:
        return self.plan.rider_names

    def source_of(self, term: str) -> TermSource | None:
        return self.sources.get(term)

    @property
    def sla_source(self) -> TermSource | None:
        return self.sources.get("sla")

    @property
    def amendments(self) -> list[tuple[Agreement, list[str]]]:
        """Each signed supplement in force, oldest first, with the terms it sets today (a later supplement
        may have replaced some): for the ticket and client pages."""
        return [
            (
                supplement,
                [
                    TERM_LABELS[t]
                    for t in TERMS
                    if t in self.sources and self.sources[t].agreement_id == supplement.pk
                ],
            )
            for supplement in self.supplements
        ]

    @property
    def amended_terms(self) -> list[tuple[str, TermSource]]:
        """(label, supplement) for each term a supplement sets, for the pages that show the terms."""
        return [
            (TERM_LABELS[t], self.sources[t])
            for t in TERMS
            if t in self.sources and self.sources[t].is_supplement
        ]


def current_service_agreement(client, *, on: date | None = None) -> Agreement | None:
    """The client's service contract in force on a day (today by default), newest first."""
    on = on or tenant_today()
    return (
        Agreement.objects.filter(
            client=client, status__in=IN_FORCE, version__template__kind=TemplateKind.SERVICE_CONTRACT
        )
        .exclude(starts_on__gt=on)
        .exclude(ends_on__lt=on)
        .select_related("version")
        .order_by("-starts_on", "-id")
        .first()
    )


def supplements_in_force(agreement: Agreement, *, on: date) -> list[Agreement]:
    """The signed supplements that amend ``agreement`` on ``on``, oldest first (so later ones win): those
    of the agreement itself and, as a supplement runs and renews with its agreement, those of the terms it
    renewed on the same version without a new signature. A supplement counts from its start."""
    parents = [agreement.pk]
    term = agreement
    while term.renewed_from_id is not None:
        previous = Agreement.objects.only("pk", "version_id", "renewed_from_id").get(pk=term.renewed_from_id)
        if previous.version_id != term.version_id:
            break  # a new version was signed: it restates every term
        parents.append(previous.pk)
        term = previous
    statuses = [*IN_FORCE, AgreementStatus.EXPIRED]  # a supplement of an earlier term expired with it
    return list(
        Agreement.objects.filter(parent_id__in=parents, status__in=statuses, starts_on__lte=on)
        .exclude(parent_id=agreement.pk, status=AgreementStatus.EXPIRED)
        .select_related("version", "plan_offer")
        .order_by("starts_on", "id")
    )


def _carries_sla(supplement: Agreement) -> bool:
    offer = getattr(supplement, "plan_offer", None)
    return offer is not None and offer.applied_at is not None


def _overlaid(agreement: Agreement, supplements: list[Agreement]) -> dict:
    """The terms of ``agreement`` with each supplement's laid over them in order, and their sources."""
    version = agreement.version
    source = TermSource.of(agreement)
    terms = {
        "coverage": tuple(version.coverage or ()),
        "hourly_rate_remote": version.hourly_rate_remote,
        "hourly_rate_onsite": version.hourly_rate_onsite,
        "after_hours_multiplier": version.after_hours_multiplier,
        "billing_terms": version.billing_terms,
    }
    sources = dict.fromkeys(TERMS, source)
    for supplement in supplements:
        amends, carried = supplement.version, TermSource.of(supplement)
        changes = {}
        if amends.coverage:
            changes["coverage"] = tuple(amends.coverage)
        if amends.hourly_rate_remote:
            changes["hourly_rate_remote"] = amends.hourly_rate_remote
        if amends.hourly_rate_onsite:
            changes["hourly_rate_onsite"] = amends.hourly_rate_onsite
        if amends.hourly_rate_remote or amends.hourly_rate_onsite:
            changes["after_hours_multiplier"] = amends.after_hours_multiplier
        if amends.billing_terms.strip():
            changes["billing_terms"] = amends.billing_terms
        terms.update(changes)
        sources.update(dict.fromkeys(changes, carried))
        if _carries_sla(supplement):
            sources["sla"] = carried
    return {**terms, "sources": sources}


def contract_terms(client, *, on: date | None = None) -> ContractTerms:
    """The client's terms on a day (the tenant's today by default): the service agreement in force that
    day, amended by its signed supplements started by then. The agreement in force and the grace period
    are read for the same tenant day: near midnight the server's UTC date is another day."""
    on = on or tenant_today()
    agreement = current_service_agreement(client, on=on)
    standing = ClientStanding.objects.filter(client=client).first()
    grace_until = None
    if agreement is None and not (standing and standing.basic_triage_only):
        grace_until = (
            CampaignRecipient.objects.filter(
                client=client,
                campaign__status=CampaignStatus.OPEN,
                campaign__grace_deadline__gte=on,
            )
            .order_by("-campaign__grace_deadline")
            .values_list("campaign__grace_deadline", flat=True)
            .first()
        )
    supplements = supplements_in_force(agreement, on=on) if agreement is not None else []
    return ContractTerms(
        agreement=agreement,
        has_signed_contract=agreement is not None,
        basic_triage_only=agreement is None and bool(standing and standing.basic_triage_only),
        grace_until=grace_until,
        plan=plan_terms(client, on=on) if agreement is not None else PlanTerms(),
        supplements=tuple(supplements),
        **(_overlaid(agreement, supplements) if agreement is not None else {}),
    )


def effective_sla_for_client(
    *, client, priority: str | None = None, issue_type: IssueType | None = None, on: date | None = None
) -> EffectiveSla:
    """effective_sla() with the client's contract in force on a day (the tenant's today by default) and the
    tier and riders its subscription holds that day. Its ``source`` names the document the SLA comes from
    (the service agreement, or the supplement whose signature changed the plan)."""
    terms = contract_terms(client, on=on)
    sla = effective_sla(
        client=client,
        priority=priority,
        issue_type=issue_type,
        has_signed_contract=terms.has_signed_contract,
        grace_until=terms.grace_until,
        tier=terms.plan.tier_key or None,
        riders=terms.plan.rider_keys,
    )
    source = terms.source_of("sla")
    return replace(sla, source=str(source)) if source is not None else sla


def sent_by(agreement: Agreement):
    """The staff user who sent the agreement for signature, when a person did and is still on the staff:
    the author of its last send, or of the campaign that sent it (a campaign's sends are the system's)."""
    staff = StaffMembership.objects.filter(is_active=True, user__is_active=True).select_related("user")
    last_send = agreement.history.filter(kind__in=["sent", "resent"]).order_by("-at", "-id").first()
    email = staff_email_of(last_send.actor) if last_send is not None else None
    if email:
        membership = staff.filter(user__email__iexact=email).first()
        if membership is not None:
            return membership.user
    campaign_author = (
        CampaignRecipient.objects.filter(agreement=agreement, campaign__created_by__isnull=False)
        .order_by("-id")
        .values_list("campaign__created_by", flat=True)
        .first()
    )
    membership = staff.filter(user_id=campaign_author).first() if campaign_author else None
    return membership.user if membership else None


def clients_under_agreement(*, on: date, until: date | None = None) -> QuerySet:
    """The ids of the clients with an agreement in force on ``on`` (or on any day from ``on`` to
    ``until``): a ``values_list`` to use inside another query. A past day counts what was in force then:
    among the agreements whose term covers the day, one in force today, one that has since expired, or one
    signed by then and cancelled after that day (its history says when)."""
    until = until or on
    history = AgreementEvent.objects.filter(agreement=OuterRef("pk"))
    signed_by_then = history.filter(to_status=AgreementStatus.SIGNED, at__date__lte=until)
    cancelled_later = history.filter(to_status=AgreementStatus.CANCELLED, at__date__gt=on)
    return (
        Agreement.objects.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=until))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .filter(
            Q(status__in=[*IN_FORCE, AgreementStatus.EXPIRED])
            | Q(status=AgreementStatus.CANCELLED) & Exists(signed_by_then) & Exists(cancelled_later)
        )
        .values_list("client_id", flat=True)
    )


# Statuses of an agreement that was signed at some point (a cancelled one may never have been).
EVER_SIGNED = (*IN_FORCE, AgreementStatus.EXPIRED)


def first_signature_date(client) -> date | None:
    """The day the client first signed an agreement with the company (None if it never has): a portal
    signature's day, or for an agreement staff marked signed (a paper contract) the earlier of the day it
    was marked signed and the day its term started, as a paper contract is often entered late."""
    return first_signature_dates(Client.objects.filter(pk=client.pk)).get(client.pk)


def first_signature_dates(clients: QuerySet) -> dict[int, date]:
    """``first_signature_date`` of each of ``clients`` (a queryset), by client id, in three queries for
    any number of clients; a client that never signed is left out."""
    signed = Signature.objects.filter(signed_at__isnull=False)
    marked = AgreementEvent.objects.filter(to_status=AgreementStatus.SIGNED)
    agreements = Agreement.objects.filter(
        client_id__in=clients.values("pk"), status__in=EVER_SIGNED
    ).prefetch_related(Prefetch("signatures", queryset=signed), Prefetch("history", queryset=marked))
    days: dict[int, date] = {}
    for agreement in agreements:
        day = _signature_day(agreement)
        if day is not None and (agreement.client_id not in days or day < days[agreement.client_id]):
            days[agreement.client_id] = day
    return days


def _signature_day(agreement) -> date | None:
    """The day one agreement was signed: its first portal signature, else the earlier of the day staff
    marked it signed and its start (``signatures`` and ``history`` prefetched to those rows)."""
    signed = [tenant_localtime(s.signed_at).date() for s in agreement.signatures.all()]
    if signed:
        return min(signed)
    candidates = [tenant_localtime(e.at).date() for e in agreement.history.all()]
    if agreement.starts_on:
        candidates.append(agreement.starts_on)
    return min(candidates) if candidates else None


def has_agreement_in_force(client, *, on: date) -> bool:
    """Whether the client has an agreement in force on ``on``, or one signed whose term has not started."""
    return Agreement.objects.filter(client=client, status__in=IN_FORCE).exclude(ends_on__lt=on).exists()


# --- The client page and the client list ------------------------------------------------------------


class ContractStatus(models.TextChoices):
    """Where a client stands with its service contract, as the client list shows and filters it."""

    SIGNED = "signed", "Signed"
    EXPIRING = "expiring", "Expiring"
    SENT = "sent", "Sent"
    DECLINED = "declined", "Declined"
    NOT_SENT = "not_sent", "Not sent"


def with_contract_status(clients: QuerySet, *, on: date | None = None) -> QuerySet:
    """``clients`` annotated with ``contract_status`` (a ContractStatus value), in SQL: one query for
    any number of clients. In order: a contract in force whose notice window is open and no other
    signed term -> expiring; a contract in force (or signed, starting later) -> signed; one waiting for
    signature -> sent; one declined -> declined; else not sent (nothing, a draft, or only past ones)."""
    on = on or tenant_today()
    service = Agreement.objects.filter(
        tenant_id=OuterRef("tenant_id"),  # leads the (tenant, client, status) index
        client_id=OuterRef("pk"),
        parent__isnull=True,
        version__template__kind=TemplateKind.SERVICE_CONTRACT,
    )
    not_over = service.exclude(ends_on__lt=on)
    in_notice = not_over.filter(status=AgreementStatus.EXPIRING)
    signed_term = not_over.filter(status__in=(AgreementStatus.SIGNED, AgreementStatus.ACTIVE))
    return clients.annotate(
        contract_status=Case(
            When(Exists(in_notice) & ~Exists(signed_term), then=Value(ContractStatus.EXPIRING.value)),
            When(Exists(signed_term) | Exists(in_notice), then=Value(ContractStatus.SIGNED.value)),
            When(Exists(service.filter(status=AgreementStatus.SENT)), then=Value(ContractStatus.SENT.value)),
            When(
                Exists(service.filter(status=AgreementStatus.DECLINED)),
                then=Value(ContractStatus.DECLINED.value),
            ),
            default=Value(ContractStatus.NOT_SENT.value),
            output_field=models.CharField(),
        )
    )


def client_agreements(client) -> QuerySet[Agreement]:
    """Every agreement of the client (contracts, renewals and amendments), the newest first."""
    return (
        Agreement.objects.filter(tenant_id=client.tenant_id, client=client)
        .select_related("version__template", "parent")
        .order_by("-created_at", "-pk")
    )


# --- Search (the top bar's search_everything reads this) ------------------------------------------

AGREEMENT_SEARCH_FIELDS = ["version__title"]


def search_agreements(tenant, term: str, *, limit: int, near: bool = False) -> list[Agreement]:
    """Agreements of ``tenant`` whose contract title matches ``term`` (tenants.trigram.best_matches), or
    whose number is ``term`` ("12" or "#12"); in force and waiting ones first."""
    number = None
    if (digits := term.strip().lstrip("#")).isdigit() and len(digits) <= 9:
        number = Q(pk=int(digits))
    current = Case(
        When(status__in=[*IN_FORCE, AgreementStatus.SENT, AgreementStatus.DRAFT], then=Value(0)),
        default=Value(1),
    )
    agreements = Agreement.objects.filter(tenant_id=tenant.pk).select_related("client", "version__template")
    return best_matches(
        agreements.alias(current=current),
        AGREEMENT_SEARCH_FIELDS, term, limit=limit, near=near, also=number, order_first=("current",),
        order_last=("-created_at", "-pk"),
    )  # fmt: skip
