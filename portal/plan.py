"""A client's membership as the portal shows it, and the upgrades the client may ask for there.

Reads: ``plan_page(client)`` says what the client has (tier, riders, cycle, price, what is included and
the SLA targets per priority), what it could move up to (a higher tier, a rider it does not have yet:
what each adds and what it costs, from ``billing.subscriptions.preview_change``) and whether a request
is already waiting for a signature. Downgrades and removals are never offered here: they are arranged
with the team.

Writes: ``request_change`` turns a chosen option into a supplement agreement that offers the change (a
CHANGE offer: ``contracts.agreements.create_agreement`` with a parent) and sends it for signature
through ``contracts.campaigns.send_agreement_for_signature``. Nothing about the membership changes
here: ``billing.handlers.apply_signed_offer`` applies the offer, with its proration, once the
supplement is signed.

Call everything inside the client's tenant (the portal's views run inside the link's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import dateformat
from django.utils.safestring import SafeString

from accounts.actors import actor_label
from billing.subscriptions import ChargeLine, preview_change
from clients.models import Client, Contact
from contracts import agreements
from contracts.campaigns import send_agreement_for_signature, signers_of
from contracts.documents import (
    duration_in_words,
    effective_sla_by_priority,
    money,
    plain_number,
    sla_table_html,
    target_in_words,
)
from contracts.models import Agreement, AgreementStatus, ContractVersion, TemplateKind
from contracts.selectors import contract_terms, current_service_agreement
from contracts.versions import current_published_version, published_versions
from memberships import selectors as memberships
from memberships.models import BillingCycle, OfferKind, Plan, Subscription, SubscriptionPhase
from memberships.periods import Period
from memberships.selectors import PlanTerms
from portal.models import PortalLink
from service_levels.models import Metric, Priority
from tenants.localtime import tenant_today

ZERO = Decimal("0")
HEADLINE_TARGETS = 3  # faster targets listed per option on the plan page (the confirm step lists all)

# What each state of the page means for the client.
NO_CONTRACT = "no_contract"  # nothing to change before a service contract is signed
NO_MEMBERSHIP = "no_membership"  # signed, without a paid plan: tiers it can start
MEMBER = "member"  # a membership: higher tiers and riders it can add
ENDING = "ending"  # a cancelled membership running to its end: changes go through the team

# A request waits for a signature while its supplement is one of these; choosing again also replaces
# a declined one (the team could otherwise send it again and apply two changes).
WAITING = (AgreementStatus.DRAFT, AgreementStatus.SENT)
REPLACEABLE = (*WAITING, AgreementStatus.DECLINED)

NO_SUPPLEMENT = (
    "Changes to your plan are arranged with {tenant} directly: reply to any email from us and say what you "
    "would like."
)


# --- What a plan includes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Benefits:
    """What a tier and riders include together. The labour discount is the tier's (billing applies the
    tier's); visits and hours add up across the plans, per billing period."""

    monitoring: bool = False
    priority_onsite: bool = False
    visits: int = 0
    hours: Decimal = ZERO
    discount: Decimal = ZERO

    @classmethod
    def of(cls, tier: Plan | None, riders: Sequence[Plan] = ()) -> Benefits:
        plans = [plan for plan in (tier, *riders) if plan is not None]
        return cls(
            monitoring=any(plan.proactive_monitoring for plan in plans),
            priority_onsite=any(plan.priority_onsite for plan in plans),
            visits=sum(plan.onsite_visits_included for plan in plans),
            hours=sum((plan.hours_included for plan in plans), ZERO),
            discount=tier.labour_discount_percent if tier is not None else ZERO,
        )


@dataclass(frozen=True)
class Inclusion:
    label: str
    value: str
    included: bool


def _per(cycle: str) -> str:
    return "a year" if cycle == BillingCycle.ANNUAL else "a month"


def _hours(hours: Decimal) -> str:
    return f"{plain_number(hours)} hour{'' if hours == 1 else 's'}"


def _visits(count: int) -> str:
    return f"{count} on-site visit{'' if count == 1 else 's'}"


def inclusions(benefits: Benefits, cycle: str) -> list[Inclusion]:
    """Every inclusion as a line, said plainly whether or not the plan has it."""
    per = _per(cycle)
    return [
        Inclusion(
            "Proactive monitoring", "Included" if benefits.monitoring else "Not included", benefits.monitoring
        ),
        Inclusion(
            "On-site visits",
            f"{_visits(benefits.visits)} {per} included" if benefits.visits else "None included",
            benefits.visits > 0,
        ),
        Inclusion(
            "Labour hours",
            f"{_hours(benefits.hours)} {per} included" if benefits.hours else "None included",
            benefits.hours > 0,
        ),
        Inclusion(
            "Priority on-site scheduling",
            "Yes" if benefits.priority_onsite else "No",
            benefits.priority_onsite,
        ),
        Inclusion(
            "Labour discount",
            f"{plain_number(benefits.discount)}% off billable labour" if benefits.discount else "None",
            benefits.discount > 0,
        ),
    ]


def what_it_adds(now: Benefits, then: Benefits, cycle: str) -> list[str]:
    """The inclusions ``then`` has beyond ``now``, in words."""
    per = _per(cycle)
    added = []
    if then.monitoring and not now.monitoring:
        added.append("Proactive monitoring of your systems")
    if then.priority_onsite and not now.priority_onsite:
        added.append("Priority on-site scheduling")
    if then.visits > now.visits:
        more = then.visits - now.visits
        if now.visits:
            added.append(f"{more} more on-site visit{'' if more == 1 else 's'} {per} ({then.visits} in all)")
        else:
            added.append(f"{_visits(more)} {per} included")
    if then.hours > now.hours:
        more = then.hours - now.hours
        if now.hours:
            added.append(
                f"{plain_number(more)} more labour hour{'' if more == 1 else 's'} {per} "
                f"({plain_number(then.hours)} in all)"
            )
        else:
            added.append(f"{_hours(more)} of labour {per} included")
    if then.discount > now.discount:
        was = f"now {plain_number(now.discount)}%" if now.discount else "none now"
        added.append(f"{plain_number(then.discount)}% off billable labour ({was})")
    return added


# --- SLA targets ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetChange:
    """One target that an option changes: "P1 · Critical, first response: 1 hour → 15 minutes"."""

    priority: str
    metric: str
    before: str
    after: str
    faster: bool


def _target_words(target) -> str:
    if target is None:
        return "no target"
    return duration_in_words(target.duration, business=not target.calendar.is_always_open)


def _is_faster(before, after) -> bool:
    """A new target where there was none, or no longer on a calendar open at least as long."""
    if before is None:
        return True
    return after.duration <= before.duration and (
        after.calendar.open_hours_per_week() >= before.calendar.open_hours_per_week()
    )


def target_changes(before: Mapping[str, object], after: Mapping[str, object]) -> list[TargetChange]:
    """The targets (per priority and metric) that differ between two ``effective_sla_by_priority``
    results, faster ones first, then in priority order."""
    changes = []
    for priority in Priority:
        old, new = before.get(priority.value), after.get(priority.value)
        for metric in Metric:
            old_target = old.targets.get(metric.value) if old else None
            new_target = new.targets.get(metric.value) if new else None
            if new_target is None and old_target is None:
                continue
            same = (
                old_target is not None
                and new_target is not None
                and old_target.duration == new_target.duration
                and old_target.calendar.pk == new_target.calendar.pk
            )
            if same:
                continue
            faster = new_target is not None and _is_faster(old_target, new_target)
            # Name the calendars when they differ: "4 business hours" may mean a longer business week.
            both = old_target is not None and new_target is not None
            words = (
                target_in_words
                if both and old_target.calendar.pk != new_target.calendar.pk
                else _target_words
            )
            changes.append(
                TargetChange(priority.label, metric.label, words(old_target), words(new_target), faster)
            )
    return sorted(changes, key=lambda change: not change.faster)


# --- The page -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One change a client may ask for: a higher tier, an added rider or (without a membership) a tier to
    start. ``tier``, ``riders``, ``cycle`` and ``tier_price`` are what the supplement offers."""

    plan: Plan
    title: str
    tier: Plan | None
    riders: tuple[Plan, ...]
    cycle: str
    tier_price: Decimal | None
    adds: list[str]
    targets: list[TargetChange]
    cost: str  # "today: +$41.32; from 1 Jan: $249.00/month"
    new_price: str  # "$249.00 a month"
    charges: tuple[ChargeLine, ...] = ()
    currency: str = "USD"

    @property
    def key(self) -> int:
        return self.plan.pk

    @property
    def charge_rows(self) -> list[tuple[str, str]]:
        """(description, "+$41.32" or "−$12.00") for each proration charge, if signed today."""
        return [
            (
                charge.description,
                f"{'−' if charge.amount < 0 else '+'}{money(abs(charge.amount), self.currency)}",
            )
            for charge in self.charges
        ]

    @property
    def faster_targets(self) -> list[TargetChange]:
        return [change for change in self.targets if change.faster]

    @property
    def headline_targets(self) -> list[TargetChange]:
        """The first few faster targets (most urgent first), for the list of options on a phone."""
        return self.faster_targets[:HEADLINE_TARGETS]

    @property
    def more_faster_targets(self) -> int:
        return max(len(self.faster_targets) - HEADLINE_TARGETS, 0)


@dataclass(frozen=True)
class CurrentPlan:
    """What the client has today."""

    terms: PlanTerms
    cycle: str
    price: str  # "$179.00 a month"
    period: Period
    inclusions: list[Inclusion]
    scheduled: str  # "From 1 Jan 2027: Silver", or ""
    ends_on: date | None

    @property
    def label(self) -> str:
        return self.terms.label

    @property
    def billed(self) -> str:
        return "yearly" if self.cycle == BillingCycle.ANNUAL else "monthly"

    @property
    def renews_on(self) -> date:
        return self.period.end


@dataclass(frozen=True)
class PendingRequest:
    """A supplement waiting for a signature that would change the membership."""

    agreement: Agreement
    label: str  # "Gold + Premium Response"
    price: str  # "$228.00 a month"
    signers: tuple[Contact, ...]

    @property
    def awaiting_signature(self) -> bool:
        return self.agreement.status == AgreementStatus.SENT


@dataclass(frozen=True)
class PlanPage:
    client: Client
    state: str
    current: CurrentPlan | None
    sla_table: SafeString | None
    options: list[Option] = field(default_factory=list)
    not_offered: list[str] = field(default_factory=list)  # options the client cannot ask for, and why
    supplement: ContractVersion | None = None
    parent: Agreement | None = None
    pending: PendingRequest | None = None
    contract_to_sign: Agreement | None = None  # without a signed contract: the one waiting, if any
    signers: tuple[Contact, ...] = ()

    @property
    def can_request(self) -> bool:
        return self.supplement is not None and self.parent is not None and bool(self.options)

    def option(self, plan_id) -> Option | None:
        return next((option for option in self.options if str(option.plan.pk) == str(plan_id)), None)


def change_supplement() -> ContractVersion | None:
    """The supplement a client signs to change its membership: the current version of the supplement
    template published most recently. None when the tenant has no published supplement (then changes
    are arranged with the team)."""
    newest = (
        published_versions()
        .filter(template__kind=TemplateKind.SUPPLEMENT)
        .order_by("-published_at", "-pk")
        .first()
    )
    return current_published_version(newest.template) if newest else None


def _requests(client, statuses) -> list[Agreement]:
    return list(
        Agreement.objects.filter(
            client=client,
            parent__isnull=False,
            status__in=statuses,
            plan_offer__kind=OfferKind.CHANGE,
            plan_offer__applied_at__isnull=True,
        )
        .select_related("version", "plan_offer")
        .order_by("-created_at", "-pk")
    )


def pending_request(client, *, on: date) -> PendingRequest | None:
    """The client's newest supplement that offers a membership change and waits for a signature."""
    waiting = _requests(client, WAITING)
    if not waiting:
        return None
    agreement = waiting[0]
    offered = memberships.agreement_plan(agreement, on=on)
    currency = agreement.tenant.currency or "USD"
    return PendingRequest(
        agreement=agreement,
        label=offered.label if offered else "",
        price=f"{money(offered.period_price, currency)} {_per(offered.cycle)}" if offered else "",
        signers=tuple(signers_of(client)),
    )


def _scheduled(subscription: Subscription, today: date) -> str:
    phase: SubscriptionPhase | None = memberships.scheduled_phase(subscription, today)
    if phase is None:
        return ""
    names = ([phase.plan.name] if phase.plan else []) + [item.rider.name for item in phase.riders.all()]
    return f"From {dateformat.format(phase.starts_on, 'j M Y')}: {' + '.join(names)}"


def _current(terms: PlanTerms, today: date, currency: str) -> CurrentPlan:
    subscription, phase = terms.subscription, terms.phase
    return CurrentPlan(
        terms=terms,
        cycle=phase.billing_cycle,
        price=f"{money(terms.recurring_price, currency)} {_per(phase.billing_cycle)}",
        period=memberships.current_period(subscription, today),
        inclusions=inclusions(Benefits.of(terms.tier, terms.riders), phase.billing_cycle),
        scheduled=_scheduled(subscription, today),
        ends_on=subscription.ends_on,
    )


def _change_option(client, terms: PlanTerms, plan: Plan, *, today, currency, slas_now) -> Option:
    """An upgrade of the current membership: a higher tier (riders kept) or an added rider (tier kept).
    Raises ValidationError when it cannot be offered (e.g. not sold on the client's cycle)."""
    cycle = terms.phase.billing_cycle
    if plan.is_tier:
        tier, riders = plan, tuple(terms.riders)
        title, tier_price = f"Move up to {plan.name}", None
    else:
        tier, riders = terms.tier, (*terms.riders, plan)
        # The tier stays at the price agreed for it, not today's list price.
        title, tier_price = f"Add {plan.name}", terms.phase.plan_price if terms.tier else None
    preview = preview_change(terms.subscription, tier=tier, riders=riders, on=today, tier_price=tier_price)
    slas_then = effective_sla_by_priority(
        client=client, tier=_policy_key(tier), riders=[_policy_key(rider) for rider in riders]
    )
    return Option(
        plan=plan,
        title=title,
        tier=tier,
        riders=riders,
        cycle=cycle,
        tier_price=tier_price,
        adds=what_it_adds(Benefits.of(terms.tier, terms.riders), Benefits.of(tier, riders), cycle),
        targets=target_changes(slas_now, slas_then),
        cost=preview.sentence(currency),
        new_price=f"{money(preview.new_price, currency)} {_per(cycle)}",
        charges=preview.charges,
        currency=currency,
    )


def _start_option(client, plan: Plan, *, currency, slas_now) -> Option:
    cycle = BillingCycle.MONTHLY
    price = plan.price_for(cycle)
    if price is None:
        raise ValidationError(f"{plan.name} is not sold on monthly billing.")
    slas_then = effective_sla_by_priority(client=client, tier=_policy_key(plan))
    return Option(
        plan=plan,
        title=f"Start {plan.name}",
        tier=plan,
        riders=(),
        cycle=cycle,
        tier_price=None,
        adds=what_it_adds(Benefits(), Benefits.of(plan), cycle),
        targets=target_changes(slas_now, slas_then),
        cost=f"from the day you sign: {money(price, currency)}/month",
        new_price=f"{money(price, currency)} {_per(cycle)}",
        currency=currency,
    )


def _policy_key(plan: Plan | None) -> str:
    return plan.sla_policy.key if plan is not None and plan.sla_policy_id else ""


def plan_page(client, *, today: date | None = None) -> PlanPage:
    """Everything the client's plan page shows, for ``today`` (the tenant's today by default)."""
    today = today or tenant_today()
    currency = client.tenant.currency or "USD"
    contract = contract_terms(client, on=today)
    signers = tuple(signers_of(client))
    if not contract.has_signed_contract:
        waiting = (
            Agreement.objects.filter(
                client=client,
                parent__isnull=True,
                status=AgreementStatus.SENT,
                version__template__kind=TemplateKind.SERVICE_CONTRACT,
            )
            .select_related("version")
            .order_by("-created_at")
            .first()
        )
        return PlanPage(client, NO_CONTRACT, None, None, contract_to_sign=waiting, signers=signers)

    terms = contract.plan
    slas_now = effective_sla_by_priority(client=client, tier=terms.tier_key, riders=terms.rider_keys)
    common = {
        "client": client,
        "sla_table": sla_table_html(slas_now),
        "supplement": change_supplement(),
        "parent": current_service_agreement(client, on=today),
        "pending": pending_request(client, on=today),
        "signers": signers,
    }
    if terms.phase is None:
        options, not_offered = [], []
        for tier in memberships.tiers():
            try:
                options.append(_start_option(client, tier, currency=currency, slas_now=slas_now))
            except ValidationError as error:
                not_offered.append(" ".join(error.messages))
        return PlanPage(state=NO_MEMBERSHIP, current=None, options=options, not_offered=not_offered, **common)

    current = _current(terms, today, currency)
    if current.ends_on is not None:
        return PlanPage(state=ENDING, current=current, **common)
    rank = terms.tier.rank if terms.tier else -1
    have = {rider.pk for rider in terms.riders}
    candidates = [tier for tier in memberships.tiers() if tier.rank > rank]
    candidates += [rider for rider in memberships.riders() if rider.pk not in have]
    options, not_offered = [], []
    for plan in candidates:
        try:
            options.append(
                _change_option(client, terms, plan, today=today, currency=currency, slas_now=slas_now)
            )
        except ValidationError as error:
            not_offered.append(f"{plan.name}: {' '.join(error.messages)}")
    return PlanPage(state=MEMBER, current=current, options=options, not_offered=not_offered, **common)


# --- Asking for a change --------------------------------------------------------------------------------


@transaction.atomic
def request_change(link: PortalLink, *, plan_id) -> Agreement:
    """Ask for the option of ``plan_id`` on the link contact's behalf: a supplement on the current
    service contract that offers the change, sent for signature to the contact when they may sign
    (else to the client's signers). An earlier request not signed yet is cancelled (one request at a
    time). Raises ValidationError, changing nothing, when the option is not on offer, the tenant has
    no supplement for changes, or nobody could be emailed. Records ``agreement.sent`` (and
    ``agreement.cancelled`` for a replaced request); the membership changes only once it is signed."""
    contact = link.contact
    # One request at a time per client: a double click or two contacts at once wait here.
    client = Client.objects.select_for_update().get(pk=contact.client_id)
    page = plan_page(client)
    option = page.option(plan_id)
    if option is None:
        raise ValidationError(
            "That change is not on offer for your plan any more. Please choose one of the options shown."
        )
    if page.supplement is None or page.parent is None:
        raise ValidationError(NO_SUPPLEMENT.format(tenant=client.tenant.name))
    actor = actor_label(contact=contact)
    for earlier in _requests(client, REPLACEABLE):
        agreements.cancel(earlier, actor=actor, reason="Replaced by a newer request from the client portal.")
    agreement = agreements.create_agreement(
        client=client,
        version=page.supplement,
        actor=actor,
        parent=page.parent,
        plan=option.tier,
        riders=option.riders,
        billing_cycle=option.cycle,
        plan_price=option.tier_price,
    )
    note = f"{contact.full_name or contact.email} asked for this from the client portal: {option.title}."
    # The requester signs what they asked for; a contact who may not sign leaves it to the signers.
    sent = send_agreement_for_signature(
        agreement, actor=actor, note=note, only=[contact] if contact.can_sign else None
    )
    if not sent:
        raise ValidationError(
            "We could not email the supplement just now, so nothing was changed. Please try again in a "
            "few minutes."
        )
    return agreement


def signable_agreement(link: PortalLink, agreement_id) -> Agreement:
    """An agreement of the link's client waiting for a signature that the link's contact may sign: the
    pending membership change, or the service contract a client without one was sent. ValidationError
    for anything else."""
    contact = link.contact
    agreement = Agreement.objects.filter(
        pk=agreement_id if str(agreement_id).isdigit() else None,
        client_id=contact.client_id,
        status=AgreementStatus.SENT,
    ).first()
    if agreement is None:
        raise ValidationError("There is nothing waiting for your signature here any more.")
    if not contact.can_sign:
        raise ValidationError(f"Only the people who may sign for {contact.client} can sign this.")
    return agreement
