"""Writes of memberships: plans, and subscriptions' phases and history.

A change to what a client has is decided by ``plan_change`` (now or at the period end, and what it
adds and removes) and recorded by ``apply_change``. Proration money is billing's: staff and API changes
go through ``billing.subscriptions``, which calls these and records the charges in the same transaction.
Every change that alters what the client has today records ``client.terms_changed`` (the tickets app
re-targets open tickets) and ``subscription.changed`` (partners' webhooks) in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.actors import SYSTEM
from events.services import record_event
from memberships.models import (
    BillingCycle,
    ChangeKind,
    OfferKind,
    OfferRider,
    PhaseRider,
    Plan,
    PlanKind,
    PlanOffer,
    Subscription,
    SubscriptionChange,
    SubscriptionPhase,
    SubscriptionStatus,
)
from memberships.periods import Period
from memberships.selectors import current_period, current_subscription, phase_on, scheduled_phase
from tenants.localtime import tenant_today

ZERO = Decimal("0.00")

# --- Plans -------------------------------------------------------------------------------------------


def save_plan(plan: Plan) -> Plan:
    """Create or update a plan after model validation (the form and the API both come here). A plan's
    kind never changes: phases hold tiers as their plan and riders as riders."""
    if plan.pk is not None:
        saved_kind = Plan.objects.filter(pk=plan.pk).values_list("kind", flat=True).first()
        if saved_kind is not None and saved_kind != plan.kind:
            raise ValidationError({"kind": "A tier cannot become a rider or a rider a tier; add a new plan."})
    if Plan.objects.filter(key=plan.key).exclude(pk=plan.pk).exists():  # said on the field, not the form
        raise ValidationError({"key": f"Another plan already uses the key {plan.key!r}."})
    if plan.sla_policy_id and plan.sla_policy.kind != plan.kind:
        raise ValidationError(
            {"sla_policy": f"A {plan.kind} grants a {plan.kind} SLA policy; {plan.sla_policy.name} is a "
                           f"{plan.sla_policy.kind.replace('_', ' ')} policy."}
        )  # fmt: skip
    plan.full_clean()
    plan.save()
    return plan


def archive_plan(plan: Plan) -> Plan:
    """Archived plans are no longer offered; clients on them keep them until they change."""
    plan.archived_at = plan.archived_at or timezone.now()
    plan.save(update_fields=["archived_at", "updated_at"])
    return plan


def restore_plan(plan: Plan) -> Plan:
    plan.archived_at = None
    plan.save(update_fields=["archived_at", "updated_at"])
    return plan


# --- What a subscription holds ------------------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    """The tier and riders at their agreed prices per period of ``cycle``."""

    cycle: str
    tier: Plan | None
    tier_price: Decimal
    riders: tuple[tuple[Plan, Decimal], ...] = ()

    @property
    def total(self) -> Decimal:
        return self.tier_price + sum((price for _, price in self.riders), ZERO)

    def items(self) -> list[tuple[Plan, Decimal]]:
        return ([(self.tier, self.tier_price)] if self.tier else []) + list(self.riders)

    def describe(self) -> dict:
        return {
            "cycle": self.cycle,
            "tier": self.tier.key if self.tier else None,
            "tier_price": str(self.tier_price),
            "riders": {rider.key: str(price) for rider, price in self.riders},
            "total": str(self.total),
        }

    def label(self) -> str:
        names = ([self.tier.name] if self.tier else []) + [rider.name for rider, _ in self.riders]
        return " + ".join(names) or "no plan"


def holding_of(phase: SubscriptionPhase) -> Holding:
    return Holding(
        cycle=phase.billing_cycle,
        tier=phase.plan,
        tier_price=phase.plan_price,
        riders=tuple((item.rider, item.price) for item in phase.riders.all()),
    )


def _list_price(plan: Plan, cycle: str) -> Decimal:
    price = plan.price_for(cycle)
    if price is None:
        raise ValidationError(f"{plan.name} is not sold on {BillingCycle(cycle).label.lower()} billing.")
    return price


def requested_holding(*, tier: Plan | None, riders, cycle: str, current: Holding | None = None,
                      tier_price: Decimal | None = None, signed: bool = False) -> Holding:  # fmt: skip
    """What the client would hold: list prices for what is new, agreed prices kept for what stays.
    ``signed``: the client signed for it, so a plan archived since is still honoured."""
    if cycle not in BillingCycle.values:
        raise ValidationError({"billing_cycle": f"Choose monthly or annual, not {cycle!r}."})
    if tier is not None and tier.kind != PlanKind.TIER:
        raise ValidationError({"plan": f"{tier.name} is a rider, not a tier."})
    riders = list(dict.fromkeys(riders))
    for rider in riders:
        if rider.kind != PlanKind.RIDER:
            raise ValidationError({"riders": f"{rider.name} is a tier, not a rider."})
    kept = {}
    if current is not None and current.cycle == cycle:
        kept = {plan.pk: price for plan, price in current.items()}
    for plan in [tier, *riders]:
        if plan is not None and plan.is_archived and plan.pk not in kept and not signed:
            raise ValidationError(f"{plan.name} is archived and no longer offered.")
    if tier_price is None:
        tier_price = (
            kept.get(tier.pk) if tier and tier.pk in kept else (_list_price(tier, cycle) if tier else ZERO)
        )
    if tier_price < 0:
        raise ValidationError({"plan_price": "A price cannot be negative."})
    return Holding(
        cycle=cycle,
        tier=tier,
        tier_price=tier_price,
        # ``in``, not ``or``: a rider agreed at 0.00 stays free
        riders=tuple(
            (rider, kept[rider.pk] if rider.pk in kept else _list_price(rider, cycle)) for rider in riders
        ),
    )


@dataclass(frozen=True)
class PlanChange:
    """A decided change: when it takes effect and what it adds and removes (for proration)."""

    subscription: Subscription
    kind: str
    immediate: bool
    decided_on: date
    effective_on: date
    period: Period
    before: Holding
    after: Holding
    removed: tuple[tuple[Plan, Decimal], ...] = field(default_factory=tuple)
    added: tuple[tuple[Plan, Decimal], ...] = field(default_factory=tuple)

    @property
    def summary(self) -> str:
        when = "now" if self.immediate else f"from {self.effective_on:%-d %b %Y}"
        return f"{ChangeKind(self.kind).label}: {self.before.label()} → {self.after.label()}, {when}"


def _kind(before: Holding, after: Holding) -> str:
    if before.cycle != after.cycle:
        return ChangeKind.CYCLE_CHANGED
    if (before.tier and before.tier.pk) != (after.tier and after.tier.pk):
        before_rank = before.tier.rank if before.tier else -1
        after_rank = after.tier.rank if after.tier else -1
        if after_rank != before_rank:
            return ChangeKind.UPGRADED if after_rank > before_rank else ChangeKind.DOWNGRADED
        return ChangeKind.UPGRADED if after.total > before.total else ChangeKind.CHANGED
    before_riders = {plan.pk for plan, _ in before.riders}
    after_riders = {plan.pk for plan, _ in after.riders}
    if after_riders > before_riders:
        return ChangeKind.RIDER_ADDED
    if after_riders < before_riders:
        return ChangeKind.RIDER_REMOVED
    return ChangeKind.CHANGED


def plan_change(subscription: Subscription, after: Holding, *, on: date) -> PlanChange:
    """Decide a change on ``on``: one that costs at least as much, on the same cycle and not to a lower
    tier, takes effect now (prorated); anything else (a downgrade, a removed rider, a new cycle) at the
    end of the current period, so nothing already paid for is taken away."""
    if subscription.status != SubscriptionStatus.ACTIVE or (
        subscription.ends_on and on >= subscription.ends_on
    ):
        raise ValidationError("This membership has ended; start a new one instead.")
    phase = phase_on(subscription, on)
    if phase is None:
        raise ValidationError(f"The membership has not started on {on:%-d %b %Y}.")
    before = holding_of(phase)
    if before.describe() == after.describe():
        waiting = scheduled_phase(subscription, on)
        if waiting is not None:
            raise ValidationError(
                "That is what the client already has: to keep it, drop the change scheduled for "
                f"{waiting.starts_on:%-d %b %Y} instead."
            )
        raise ValidationError("That is what the client already has: nothing to change.")
    if after.tier is None and not after.riders:
        raise ValidationError("A membership needs a tier or a rider; to stop it, cancel it.")
    period = current_period(subscription, on)
    kind = _kind(before, after)
    lower_tier = (after.tier.rank if after.tier else -1) < (before.tier.rank if before.tier else -1)
    immediate = before.cycle == after.cycle and after.total >= before.total and not lower_tier
    if not immediate and subscription.ends_on is not None and period.end >= subscription.ends_on:
        raise ValidationError(
            f"The membership ends on {subscription.ends_on:%-d %b %Y}, before this change would take effect: "
            "withdraw the cancellation first."
        )
    before_items = {plan.pk: (plan, price) for plan, price in before.items()}
    after_items = {plan.pk: (plan, price) for plan, price in after.items()}
    removed = tuple(item for pk, item in before_items.items() if after_items.get(pk) != item)
    added = tuple(item for pk, item in after_items.items() if before_items.get(pk) != item)
    return PlanChange(
        subscription=subscription, kind=kind, immediate=immediate, decided_on=on,
        effective_on=on if immediate else period.end, period=period, before=before, after=after,
        removed=removed, added=added,
    )  # fmt: skip


def _create_phase(
    subscription: Subscription, holding: Holding, *, starts_on: date, announced: datetime | None
):
    phase = SubscriptionPhase.objects.create(
        tenant_id=subscription.tenant_id, subscription=subscription, starts_on=starts_on,
        plan=holding.tier, billing_cycle=holding.cycle, plan_price=holding.tier_price, announced_at=announced,
    )  # fmt: skip
    PhaseRider.objects.bulk_create(
        PhaseRider(tenant_id=subscription.tenant_id, phase=phase, rider=rider, price=price)
        for rider, price in holding.riders
    )
    return phase


def _drop_phases_after(subscription: Subscription, day: date) -> int:
    """Scheduled changes (phases starting after ``day``) are replaced by a newer decision. The phase in
    force on ``day`` is the last one again, so it runs on (a caller that ends it sets its end)."""
    dropped = SubscriptionPhase.objects.filter(subscription=subscription, starts_on__gt=day)
    count = dropped.count()
    if count:
        PhaseRider.objects.filter(phase__in=dropped).delete()
        dropped.delete()
        SubscriptionPhase.objects.filter(
            subscription=subscription, starts_on__lte=day, ends_on__gt=day
        ).update(ends_on=None)
    return count


def _announce(subscription: Subscription, change: SubscriptionChange, *, terms_change_now: bool) -> None:
    record_event(
        "subscription.changed", subscription_id=subscription.pk, client_id=subscription.client_id,
        change_id=change.pk, kind=change.kind, effective_on=str(change.effective_on), summary=change.summary,
    )  # fmt: skip
    if terms_change_now:
        record_event("client.terms_changed", client_id=subscription.client_id, why=change.summary)


def _history(subscription, kind, *, effective_on, summary, actor, before=None, after=None, agreement=None,
             at=None) -> SubscriptionChange:  # fmt: skip
    return SubscriptionChange.objects.create(
        tenant_id=subscription.tenant_id, subscription=subscription, kind=kind, effective_on=effective_on,
        summary=summary[:300], before=before or {}, after=after or {}, actor=actor or SYSTEM,
        agreement=agreement, at=at or timezone.now(),
    )  # fmt: skip


def lock(subscription: Subscription) -> Subscription:
    """The subscription row, locked for the caller's transaction (a change and a billing run never
    interleave on one subscription)."""
    return Subscription.objects.select_for_update().get(pk=subscription.pk)


@transaction.atomic
def apply_change(
    change: PlanChange, *, actor: str, agreement=None, at: datetime | None = None
) -> SubscriptionChange:
    """Record a decided change: end the current phase and start the new one now, or schedule it at the
    period end. A newer decision replaces a change still waiting for the period end."""
    subscription = change.subscription
    at = at or timezone.now()
    dropped = _drop_phases_after(subscription, change.decided_on)
    current = phase_on(Subscription.objects.get(pk=subscription.pk), change.decided_on)
    current.ends_on = change.effective_on
    current.save(update_fields=["ends_on"])
    if change.after.cycle == BillingCycle.ANNUAL and change.before.cycle != BillingCycle.ANNUAL:
        # Annual periods run from the anchor day of ``anchor_month``: re-anchor on the switch, so the
        # first year starts the day the monthly periods stop instead of overlapping months already paid.
        Subscription.objects.filter(pk=subscription.pk).update(anchor_month=change.effective_on.month)
    _create_phase(
        subscription, change.after, starts_on=change.effective_on, announced=at if change.immediate else None
    )
    summary = change.summary + (
        " (replaces the change that was waiting for the period end)" if dropped else ""
    )
    record = _history(
        subscription, change.kind, effective_on=change.effective_on, summary=summary, actor=actor,
        before=change.before.describe(), after=change.after.describe(), agreement=agreement, at=at,
    )  # fmt: skip
    _announce(subscription, record, terms_change_now=change.immediate)
    return record


@transaction.atomic
def start_subscription(*, client, agreement, holding: Holding, started_on: date, actor: str,
                       anchor_day: int | None = None, kind: str = ChangeKind.STARTED,
                       at: datetime | None = None) -> Subscription:  # fmt: skip
    """A new membership from ``started_on``; periods start on the anchor day (the start day by default)."""
    if holding.tier is None and not holding.riders:
        raise ValidationError("Choose a tier or at least one rider.")
    if agreement.client_id != client.pk:
        raise ValidationError("The agreement belongs to another client.")
    existing = (
        Subscription.objects.select_for_update()
        .filter(client=client, status=SubscriptionStatus.ACTIVE)
        .first()
    )
    if existing is not None:
        if existing.ends_on is None or existing.ends_on > started_on:
            raise ValidationError(f"{client} already has a membership; change it instead.")
        existing.status = SubscriptionStatus.ENDED
        existing.save(update_fields=["status", "updated_at"])
    subscription = Subscription.objects.create(
        tenant_id=client.tenant_id, client=client, agreement=agreement, started_on=started_on,
        anchor_day=anchor_day or started_on.day, anchor_month=started_on.month,
    )  # fmt: skip
    at = at or timezone.now()
    _create_phase(subscription, holding, starts_on=started_on, announced=at)
    record = _history(
        subscription, kind, effective_on=started_on, summary=f"{ChangeKind(kind).label}: {holding.label()}",
        actor=actor, after=holding.describe(), at=at,
    )  # fmt: skip
    _announce(subscription, record, terms_change_now=True)
    return subscription


@transaction.atomic
def cancel_at_period_end(
    subscription: Subscription, *, on: date, actor: str, reason: str = ""
) -> SubscriptionChange:
    """Stop renewing: the client keeps what it paid for until the current period ends."""
    subscription = lock(subscription)
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise ValidationError("This membership has already ended.")
    if subscription.ends_on is not None:
        raise ValidationError(f"This membership is already cancelled from {subscription.ends_on:%-d %b %Y}.")
    period = current_period(subscription, on)
    dropped = _drop_phases_after(subscription, on)
    subscription.ends_on = period.end
    subscription.save(update_fields=["ends_on", "updated_at"])
    summary = f"Cancelled from {period.end:%-d %b %Y}" + (f": {reason.strip()}" if reason.strip() else "")
    if dropped:
        summary += " (the change waiting for the period end is dropped)"
    record = _history(
        subscription, ChangeKind.CANCELLED, effective_on=period.end, summary=summary, actor=actor
    )
    _announce(subscription, record, terms_change_now=False)
    return record


@transaction.atomic
def resume(subscription: Subscription, *, on: date, actor: str) -> SubscriptionChange:
    """Withdraw a cancellation that has not taken effect yet."""
    subscription = lock(subscription)
    if subscription.status != SubscriptionStatus.ACTIVE or subscription.ends_on is None:
        raise ValidationError("Only a membership waiting to end can be resumed.")
    if subscription.ends_on <= on:
        raise ValidationError("This membership has already ended; start a new one instead.")
    subscription.ends_on = None
    subscription.save(update_fields=["ends_on", "updated_at"])
    record = _history(subscription, ChangeKind.RESUMED, effective_on=on, summary="Cancellation withdrawn",
                      actor=actor)  # fmt: skip
    _announce(subscription, record, terms_change_now=False)
    return record


@transaction.atomic
def drop_scheduled_change(subscription: Subscription, *, on: date, actor: str) -> SubscriptionChange:
    """Keep what the client has: the change waiting for the period end will not happen."""
    subscription = lock(subscription)
    waiting = scheduled_phase(subscription, on)
    if subscription.status != SubscriptionStatus.ACTIVE or waiting is None:
        raise ValidationError("No change is waiting for the period end.")
    current = phase_on(subscription, on)
    summary = (
        f"Scheduled change of {waiting.starts_on:%-d %b %Y} dropped: keeps "
        f"{holding_of(current).label() if current else 'its plan'}"
    )
    scheduled = holding_of(waiting).describe()
    _drop_phases_after(subscription, on)
    record = _history(
        subscription, ChangeKind.SCHEDULED_CHANGE_DROPPED, effective_on=waiting.starts_on, summary=summary,
        actor=actor, before=scheduled, after=holding_of(current).describe() if current else {},
    )  # fmt: skip
    _announce(subscription, record, terms_change_now=False)
    return record


@transaction.atomic
def end_subscription(subscription: Subscription, *, on: date, actor: str, why: str) -> Subscription:
    """End now or on ``on`` (e.g. the service contract ended): no membership without a contract."""
    subscription = lock(subscription)
    if subscription.status != SubscriptionStatus.ACTIVE:
        return subscription
    on = max(on, subscription.started_on)
    if subscription.ends_on is None or subscription.ends_on > on:
        subscription.ends_on = on
        _drop_phases_after(subscription, on)
    subscription.save(update_fields=["ends_on", "updated_at"])
    record = _history(
        subscription, ChangeKind.CANCELLED, effective_on=on, summary=f"Ended: {why}", actor=actor
    )
    _announce(subscription, record, terms_change_now=True)
    return subscription


def close_ended(*, today: date) -> int:
    """Mark memberships whose end day has come as ended (the client may then start a new one)."""
    return Subscription.objects.filter(status=SubscriptionStatus.ACTIVE, ends_on__lte=today).update(
        status=SubscriptionStatus.ENDED, updated_at=timezone.now()
    )


def announce_phases_starting(*, today: date) -> int:
    """Scheduled changes that take effect today re-target the client's open tickets (once)."""
    due = list(
        SubscriptionPhase.objects.filter(announced_at__isnull=True, starts_on__lte=today).select_related(
            "subscription"
        )
    )
    for phase in due:
        record_event(
            "client.terms_changed", client_id=phase.subscription.client_id,
            why=f"membership change of {phase.starts_on:%-d %b %Y} took effect",
        )  # fmt: skip
    SubscriptionPhase.objects.filter(pk__in=[phase.pk for phase in due]).update(announced_at=timezone.now())
    return len(due)


@transaction.atomic
def move_to_agreement(subscription: Subscription, agreement, *, actor: str) -> SubscriptionChange:
    """The service contract was renewed: the membership carries on under the new term."""
    subscription = lock(subscription)
    previous = subscription.agreement_id
    subscription.agreement = agreement
    subscription.save(update_fields=["agreement", "updated_at"])
    return _history(
        subscription, ChangeKind.AGREEMENT_RENEWED,
        effective_on=agreement.starts_on or subscription.started_on,
        summary=f"Now under agreement #{agreement.pk} (renewal of #{previous})", actor=actor,
        agreement=agreement,
    )  # fmt: skip


# --- Offers: the membership an agreement brings when signed -------------------------------------------


@transaction.atomic
def attach_offer(agreement, *, kind: str, tier: Plan | None, riders=(), cycle: str = BillingCycle.MONTHLY,
                 tier_price: Decimal | None = None, requested_by: str = "") -> PlanOffer:  # fmt: skip
    """What the client gets when it signs ``agreement``; replaces an offer not applied yet. A change is
    checked against what the client holds today, so a plan no longer sold that it keeps is not refused."""
    current = None
    if kind == OfferKind.CHANGE:
        subscription = current_subscription(agreement.client_id)
        phase = phase_on(subscription, tenant_today()) if subscription is not None else None
        current = holding_of(phase) if phase is not None else None
    holding = requested_holding(tier=tier, riders=riders, cycle=cycle, tier_price=tier_price, current=current)
    if holding.tier is None and not holding.riders:
        raise ValidationError("Choose a tier or at least one rider.")
    PlanOffer.objects.filter(agreement=agreement, applied_at__isnull=True).delete()
    offer = PlanOffer.objects.create(
        tenant_id=agreement.tenant_id, agreement=agreement, kind=kind, plan=tier, billing_cycle=cycle,
        plan_price=tier_price, requested_by=requested_by,
    )  # fmt: skip
    OfferRider.objects.bulk_create(
        OfferRider(tenant_id=agreement.tenant_id, offer=offer, rider=rider) for rider, _ in holding.riders
    )
    return offer


def offer_holding(offer: PlanOffer, *, current: Holding | None = None) -> Holding:
    """What a signed offer gives (plans archived since it was made are honoured: the client signed)."""
    return requested_holding(
        tier=offer.plan, riders=[item.rider for item in offer.riders.select_related("rider")],
        cycle=offer.billing_cycle, current=current, tier_price=offer.plan_price, signed=True,
    )  # fmt: skip


@transaction.atomic
def apply_start_offer(agreement, *, on: date, actor: str) -> Subscription | None:
    """A signed service contract that offered a membership starts it (no money moves here: the first
    period is invoiced by the next billing run)."""
    offer = PlanOffer.objects.select_for_update().filter(agreement=agreement, kind=OfferKind.START,
                                                         applied_at__isnull=True).first()  # fmt: skip
    if offer is None:
        return None
    subscription = start_subscription(
        client=agreement.client, agreement=agreement, holding=offer_holding(offer), started_on=on, actor=actor
    )
    offer.applied_at = timezone.now()
    offer.save(update_fields=["applied_at"])
    return subscription


@transaction.atomic
def carry_over_to_renewal(previous, renewal, *, on: date, actor: str) -> Subscription | None:
    """The service contract was renewed (``renewal`` follows ``previous``): the membership riding on the
    previous term carries on under the new one. An end set only because the previous term expired is
    lifted; if that end has already passed (the renewal was signed late), a new membership starts on
    ``on`` with what the client last held. A membership the client cancelled stays cancelled."""
    subscription = (
        Subscription.objects.filter(agreement_id=previous.pk).order_by("-started_on", "-id").first()
    )
    if subscription is None:
        return None
    subscription = lock(subscription)
    ended_by_expiry = previous.ends_on is not None and subscription.ends_on == previous.ends_on + timedelta(
        days=1
    )
    if subscription.status == SubscriptionStatus.ACTIVE and (
        subscription.ends_on is None or subscription.ends_on > on
    ):
        move_to_agreement(subscription, renewal, actor=actor)
        if ended_by_expiry:
            subscription.ends_on = None
            subscription.save(update_fields=["ends_on", "updated_at"])
            record = _history(subscription, ChangeKind.RESUMED, effective_on=on, actor=actor,
                              summary="Continues: the service contract was renewed")  # fmt: skip
            _announce(subscription, record, terms_change_now=True)
        return subscription
    if not ended_by_expiry:
        return None
    last = subscription.phases.order_by("-starts_on", "-id").first()
    if subscription.status == SubscriptionStatus.ACTIVE:
        subscription.status = SubscriptionStatus.ENDED
        subscription.save(update_fields=["status", "updated_at"])
    if (
        last is None
        or Subscription.objects.filter(client_id=renewal.client_id, status=SubscriptionStatus.ACTIVE).exists()
    ):
        return None
    return start_subscription(
        client=renewal.client, agreement=renewal, holding=holding_of(last), started_on=on, actor=actor
    )
