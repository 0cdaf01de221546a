"""Reads of memberships: which plans exist and what a client has on a given day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects

from memberships.models import (
    BillingCycle,
    OfferKind,
    PhaseRider,
    Plan,
    PlanKind,
    PlanOffer,
    Subscription,
    SubscriptionChange,
    SubscriptionPhase,
    SubscriptionStatus,
)
from memberships.periods import Period, period_containing


def plans(*, kind: str | None = None, include_archived: bool = False) -> QuerySet[Plan]:
    queryset = Plan.objects.select_related("sla_policy")
    if kind:
        queryset = queryset.filter(kind=kind)
    if not include_archived:
        queryset = queryset.filter(archived_at__isnull=True)
    return queryset.order_by("kind", "rank", "monthly_price", "name")


def tiers() -> QuerySet[Plan]:
    return plans(kind=PlanKind.TIER)


def riders() -> QuerySet[Plan]:
    return plans(kind=PlanKind.RIDER)


def phases_with_riders() -> QuerySet[SubscriptionPhase]:
    return SubscriptionPhase.objects.select_related("plan", "plan__sla_policy").prefetch_related(
        Prefetch("riders", queryset=PhaseRider.objects.select_related("rider__sla_policy"))
    )


def current_subscription(client) -> Subscription | None:
    """The client's active (not yet ended) subscription, if any."""
    return (
        Subscription.objects.filter(client=client, status=SubscriptionStatus.ACTIVE)
        .prefetch_related(Prefetch("phases", queryset=phases_with_riders()))
        .first()
    )


def phase_on(subscription: Subscription, day: date) -> SubscriptionPhase | None:
    """The phase in force on ``day`` (none before the start or from the end day)."""
    if day < subscription.started_on or (subscription.ends_on and day >= subscription.ends_on):
        return None
    for phase in subscription.phases.all():  # few, and usually prefetched
        if phase.covers(day):
            return phase
    return None


def scheduled_phase(subscription: Subscription, day: date) -> SubscriptionPhase | None:
    """A phase that starts after ``day``: a change waiting for the period end."""
    future = [phase for phase in subscription.phases.all() if phase.starts_on > day]
    return future[0] if future else None


def current_period(subscription: Subscription, day: date, *, cycle: str | None = None) -> Period:
    phase = phase_on(subscription, day)
    return period_containing(
        day,
        cycle=cycle or (phase.billing_cycle if phase else BillingCycle.MONTHLY),
        anchor_day=subscription.anchor_day,
        anchor_month=subscription.anchor_month,
    )


@dataclass(frozen=True)
class PlanTerms:
    """What a client has on a day: for the SLA selector, the banners and the portal."""

    subscription: Subscription | None = None
    phase: SubscriptionPhase | None = None
    tier: Plan | None = None
    riders: tuple[Plan, ...] = field(default_factory=tuple)

    @property
    def tier_key(self) -> str:
        return self.tier.sla_policy.key if self.tier and self.tier.sla_policy_id else ""

    @property
    def rider_keys(self) -> tuple[str, ...]:
        return tuple(rider.sla_policy.key for rider in self.riders if rider.sla_policy_id)

    @property
    def tier_name(self) -> str:
        return self.tier.name if self.tier else ""

    @property
    def rider_names(self) -> tuple[str, ...]:
        return tuple(rider.name for rider in self.riders)

    @property
    def recurring_price(self) -> Decimal:
        """The price of one billing period of the phase."""
        if self.phase is None:
            return Decimal("0.00")
        return self.phase.plan_price + sum((item.price for item in self.phase.riders.all()), Decimal("0"))

    @property
    def monthly_value(self) -> Decimal:
        return monthly_value(self.phase) if self.phase else Decimal("0.00")

    @property
    def label(self) -> str:
        return " + ".join([self.tier_name, *self.rider_names] if self.tier else self.rider_names)


def plan_terms(client, *, on: date) -> PlanTerms:
    """The tier and riders the client's subscription gives it on ``on`` (empty when it has none)."""
    client_id = getattr(client, "pk", client)
    return plan_terms_of_clients([client_id], on=on).get(client_id, PlanTerms())


def plan_terms_of_clients(client_ids, *, on: date) -> dict[int, PlanTerms]:
    """``plan_terms`` of each client, in three queries however many; absent for a client with none."""
    subscriptions = (
        Subscription.objects.filter(client_id__in=list(client_ids), started_on__lte=on)
        .exclude(ends_on__lte=on)
        .prefetch_related(Prefetch("phases", queryset=phases_with_riders()))
        .order_by("-started_on", "-id")
    )
    found = {}
    for subscription in subscriptions:  # each client's latest one with a phase in force on ``on``
        phase = phase_on(subscription, on) if subscription.client_id not in found else None
        if phase is not None:
            found[subscription.client_id] = PlanTerms(
                subscription=subscription,
                phase=phase,
                tier=phase.plan,
                riders=tuple(item.rider for item in phase.riders.all()),
            )
    return found


def per_month(period_price: Decimal, cycle: str) -> Decimal:
    """What a period's price brings in a month: itself, or an annual price spread over twelve months."""
    if cycle == BillingCycle.ANNUAL:
        return (period_price / 12).quantize(Decimal("0.01"))
    return period_price


def monthly_value(phase: SubscriptionPhase) -> Decimal:
    """What a phase brings in a month."""
    total = phase.plan_price + sum((item.price for item in phase.riders.all()), Decimal("0"))
    return per_month(total, phase.billing_cycle)


def recurring_by_agreement(agreement_ids, *, on: date) -> dict[int, PlanTerms]:
    """For each agreement id, the plan its active subscription holds on ``on`` (absent when none)."""
    subscriptions = (
        Subscription.objects.filter(agreement_id__in=list(agreement_ids), started_on__lte=on)
        .exclude(ends_on__lte=on)
        .prefetch_related(Prefetch("phases", queryset=phases_with_riders()))
    )
    found = {}
    for subscription in subscriptions:
        phase = phase_on(subscription, on)
        if phase is not None:
            found[subscription.agreement_id] = PlanTerms(
                subscription=subscription, phase=phase, tier=phase.plan,
                riders=tuple(item.rider for item in phase.riders.all()),
            )  # fmt: skip
    return found


def monthly_recurring_revenue(*, on: date) -> Decimal:
    """Recurring monthly revenue: every subscription in force on ``on``, annual plans as a twelfth."""
    subscriptions = (
        Subscription.objects.filter(started_on__lte=on)
        .exclude(ends_on__lte=on)
        .prefetch_related(Prefetch("phases", queryset=phases_with_riders()))
    )
    total = Decimal("0.00")
    for subscription in subscriptions:
        phase = phase_on(subscription, on)
        if phase is not None:
            total += monthly_value(phase)
    return total


@dataclass(frozen=True)
class AgreementPlan:
    """The membership shown beside an agreement: the one it offers (applied when signed), else the one
    it carries."""

    tier: Plan | None
    riders: tuple[Plan, ...]
    cycle: str
    period_price: Decimal
    source: str  # "offer" or "subscription"

    @property
    def label(self) -> str:
        return " + ".join(([self.tier.name] if self.tier else []) + [rider.name for rider in self.riders])

    @property
    def monthly_value(self) -> Decimal:
        return per_month(self.period_price, self.cycle)

    @property
    def tier_key(self) -> str:
        return self.tier.sla_policy.key if self.tier and self.tier.sla_policy_id else ""

    @property
    def rider_keys(self) -> tuple[str, ...]:
        return tuple(rider.sla_policy.key for rider in self.riders if rider.sla_policy_id)


def _from_terms(terms: PlanTerms) -> AgreementPlan:
    return AgreementPlan(
        terms.tier, terms.riders, terms.phase.billing_cycle, terms.recurring_price, "subscription"
    )


def _from_offer(offer: PlanOffer, *, kept: dict[int, Decimal] | None = None) -> AgreementPlan:
    """The offer at its prices: a negotiated tier price, else what the client already pays for a plan it
    keeps (``kept``: plan id -> agreed price), else the list price."""
    kept = kept or {}

    def price_of(plan: Plan) -> Decimal:
        if plan.pk in kept:
            return kept[plan.pk]
        return plan.price_for(offer.billing_cycle) or Decimal("0")

    riders = tuple(item.rider for item in offer.riders.all())
    tier_price = offer.plan_price if offer.plan_price is not None else (
        price_of(offer.plan) if offer.plan else Decimal("0")
    )  # fmt: skip
    total = tier_price + sum((price_of(rider) for rider in riders), Decimal("0"))
    return AgreementPlan(offer.plan, riders, offer.billing_cycle, total, "offer")


def _kept_prices(offer: PlanOffer, terms: PlanTerms) -> dict[int, Decimal]:
    """For a change: the agreed prices of what the client holds (``terms``), on the offer's cycle."""
    if offer.kind != OfferKind.CHANGE:
        return {}
    if terms.phase is None or terms.phase.billing_cycle != offer.billing_cycle:
        return {}
    held = {item.rider_id: item.price for item in terms.phase.riders.all()}
    if terms.phase.plan_id:
        held[terms.phase.plan_id] = terms.phase.plan_price
    return held


def _priced_offers(offers: list[PlanOffer], *, on: date) -> dict[int, AgreementPlan]:
    """Each offer at its prices, by agreement: the riders of all of them, and what the clients of changes
    hold on ``on`` (a change keeps the prices they pay), read once for all."""
    prefetch_related_objects(
        offers, Prefetch("riders__rider", queryset=Plan.objects.select_related("sla_policy"))
    )
    changing = [offer.agreement.client_id for offer in offers if offer.kind == OfferKind.CHANGE]
    held = plan_terms_of_clients(changing, on=on) if changing else {}
    return {
        offer.agreement_id: _from_offer(
            offer, kept=_kept_prices(offer, held.get(offer.agreement.client_id, PlanTerms()))
        )
        for offer in offers
    }


def plans_of_agreements(agreement_ids, *, on: date) -> dict[int, AgreementPlan]:
    """For each agreement, the membership it offers or carries (absent when neither)."""
    agreement_ids = list(agreement_ids)
    offers = {
        offer.agreement_id: offer
        for offer in PlanOffer.objects.filter(agreement_id__in=agreement_ids).select_related(
            "plan__sla_policy", "agreement"
        )
    }
    # The offer not applied yet, else the membership it carries, else the offer it applied: each looked up
    # only where the one before is missing, and only the offers shown are priced.
    pending = {agreement_id for agreement_id, offer in offers.items() if offer.applied_at is None}
    carried = recurring_by_agreement([pk for pk in agreement_ids if pk not in pending], on=on)
    shown = [offer for agreement_id, offer in offers.items() if agreement_id not in carried]
    return {**{pk: _from_terms(terms) for pk, terms in carried.items()}, **_priced_offers(shown, on=on)}


def agreement_plan(agreement, *, on: date) -> AgreementPlan | None:
    """The membership a document for ``agreement`` describes: what it offers, else what it carries, else
    (an unsigned contract or a supplement) the client's current membership, which carries over."""
    found = plans_of_agreements([agreement.pk], on=on).get(agreement.pk)
    if found is not None:
        return found
    terms = plan_terms(agreement.client_id, on=on)
    return _from_terms(terms) if terms.phase is not None else None


def latest_subscription(client) -> Subscription | None:
    """The client's active subscription, else the one that ended last (for its history)."""
    return current_subscription(client) or (
        Subscription.objects.filter(client=client)
        .prefetch_related(Prefetch("phases", queryset=phases_with_riders()))
        .order_by("-started_on", "-id")
        .first()
    )


def phase_to_show(subscription: Subscription, day: date) -> SubscriptionPhase | None:
    """The phase in force on ``day``; before the start the first phase, after the end the last one."""
    phases = list(subscription.phases.all())
    in_force = phase_on(subscription, day)
    if in_force is not None or not phases:
        return in_force
    started = [phase for phase in phases if phase.starts_on <= day and phase.starts_on != phase.ends_on]
    return started[-1] if started else phases[0]


def holders_by_plan(*, on: date) -> dict[int, int]:
    """How many clients hold each plan (as their tier or as a rider) on ``on``, by plan id."""
    in_force = (
        SubscriptionPhase.objects.filter(
            starts_on__lte=on,
            subscription__started_on__lte=on,
            subscription__status=SubscriptionStatus.ACTIVE,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on))
        .exclude(subscription__ends_on__lte=on)
    )
    counts: dict[int, int] = {}
    tiers_held = (
        in_force.filter(plan__isnull=False)
        .values("plan_id")
        .annotate(n=Count("subscription__client_id", distinct=True))
    )
    for row in tiers_held.order_by():
        counts[row["plan_id"]] = row["n"]
    riders_held = (
        PhaseRider.objects.filter(phase__in=in_force)
        .values("rider_id")
        .annotate(n=Count("phase__subscription__client_id", distinct=True))
    )
    for row in riders_held.order_by():
        counts[row["rider_id"]] = counts.get(row["rider_id"], 0) + row["n"]
    return counts


def history(subscription: Subscription) -> QuerySet[SubscriptionChange]:
    """Every change of the subscription, newest first."""
    return SubscriptionChange.objects.filter(subscription=subscription).order_by("-at", "-id")


def clients_with_membership(*, on: date, until: date | None = None) -> QuerySet:
    """The ids of the clients holding a membership on ``on`` (or on any day from ``on`` to ``until``):
    started by then, not ended by then. A ``values_list`` to use inside another query, so it works on any
    day, past ones included."""
    return (
        Subscription.objects.filter(started_on__lte=until or on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on))
        .values_list("client_id", flat=True)
    )
