"""Changing a membership, with its money: the preview staff and clients see, and the change itself with
the proration charges the next invoice bills.

An upgrade (or an added rider) takes effect now: the client is charged the new items for the rest of
the current period and credited the unused part of what they replace, each ``billing.proration.prorate``
of its agreed price. A downgrade, a removed rider, a new cycle or a cancellation waits for the period
end, so nothing is charged or credited. The period's own invoice bills what the client had on its
first day; the one exception is a change on that first day before the period was invoiced, which the
invoice then simply bills at the new prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import dateformat

from billing.models import Invoice, InvoiceKind, ProrationCharge
from billing.proration import prorate
from contracts.documents import money
from contracts.selectors import current_service_agreement
from memberships import services as memberships
from memberships.models import BillingCycle, Plan, Subscription, SubscriptionChange
from memberships.periods import Period
from memberships.selectors import current_subscription, phase_on
from tenants.localtime import tenant_today

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ChargeLine:
    plan: Plan
    description: str
    amount: Decimal


@dataclass(frozen=True)
class ChangePreview:
    change: memberships.PlanChange
    charges: tuple[ChargeLine, ...]
    # An immediate change on the first day of a period not invoiced yet: that invoice bills the new prices.
    billed_in_full: bool = False

    @property
    def due_now(self) -> Decimal:
        return sum((charge.amount for charge in self.charges), ZERO)

    @property
    def new_price(self) -> Decimal:
        return self.change.after.total

    @property
    def new_price_from(self) -> date:
        """The first period start billed at the new price."""
        return self.change.period.start if self.billed_in_full else self.change.period.end

    def sentence(self, currency: str) -> str:
        """ "today: +$41.32; from 1 Jan: $249.00/month" """
        sign = "+" if self.due_now >= 0 else "−"
        per = "month" if self.change.after.cycle == BillingCycle.MONTHLY else "year"
        today = f"today: {sign}{money(abs(self.due_now), currency)}"
        if not self.change.immediate:
            today = f"today: nothing (takes effect on {dateformat.format(self.change.effective_on, 'j M')})"
        return (
            f"{today}; from {dateformat.format(self.new_price_from, 'j M')}: "
            f"{money(self.new_price, currency)}/{per}"
        )


def period_invoiced(subscription: Subscription, period: Period) -> bool:
    return Invoice.objects.filter(
        subscription=subscription, kind=InvoiceKind.SUBSCRIPTION, period_start=period.start
    ).exists()


def periods_invoiced(periods: dict[int, Period]) -> set[int]:
    """The ids among ``periods`` (subscription id -> one of its periods) whose period has its invoice:
    ``period_invoiced`` for a whole page of memberships in one query."""
    if not periods:
        return set()
    rows = Invoice.objects.filter(
        subscription_id__in=periods,
        kind=InvoiceKind.SUBSCRIPTION,
        period_start__in={period.start for period in periods.values()},
    ).values_list("subscription_id", "period_start")
    return {pk for pk, start in rows if periods[pk].start == start}


def _day_range(period: Period, on: date) -> str:
    last = date.fromordinal(period.end.toordinal() - 1)
    days = (period.end - on).days
    return (
        f"{dateformat.format(on, 'j M Y')} – {dateformat.format(last, 'j M Y')} "
        f"({days} of {period.days} days)"
    )


def _billed_in_full(change: memberships.PlanChange) -> bool:
    """The period's invoice has not gone out and the change is in force from its first day: that invoice
    bills the new prices in full, so there is nothing to prorate."""
    period = change.period
    return (
        change.immediate
        and change.effective_on == period.start
        and not period_invoiced(change.subscription, period)
    )


def charges_for(change: memberships.PlanChange) -> tuple[ChargeLine, ...]:
    """The proration of an immediate change: new items charged, replaced ones credited, for the days
    left in the period."""
    if not change.immediate or _billed_in_full(change):
        return ()
    period, on = change.period, change.effective_on
    lines = []
    for plan, price in change.removed:
        amount = prorate(price, period.start, period.end, on)
        if amount:
            lines.append(ChargeLine(plan, f"Unused {plan.name}, {_day_range(period, on)}", -amount))
    for plan, price in change.added:
        amount = prorate(price, period.start, period.end, on)
        if amount:
            lines.append(ChargeLine(plan, f"{plan.name}, {_day_range(period, on)}", amount))
    return tuple(lines)


def _decide(subscription: Subscription, *, tier, riders, cycle, on: date, tier_price=None, signed=False):
    phase = phase_on(subscription, on)
    if phase is None:
        raise ValidationError(f"The membership is not in force on {on:%-d %b %Y}.")
    current = memberships.holding_of(phase)
    after = memberships.requested_holding(
        tier=tier,
        riders=riders,
        cycle=cycle or current.cycle,
        current=current,
        tier_price=tier_price,
        signed=signed,
    )
    return memberships.plan_change(subscription, after, on=on)


def preview_change(subscription: Subscription, *, tier: Plan | None, riders=(), cycle: str | None = None,
                   on: date | None = None, tier_price: Decimal | None = None) -> ChangePreview:  # fmt: skip
    """What a change would do and cost, without doing it."""
    on = on or tenant_today()
    subscription = Subscription.objects.get(pk=subscription.pk)
    change = _decide(subscription, tier=tier, riders=riders, cycle=cycle, on=on, tier_price=tier_price)
    return ChangePreview(change, charges_for(change), _billed_in_full(change))


@transaction.atomic
def change_subscription(subscription: Subscription, *, tier: Plan | None, riders=(), cycle: str | None = None,
                        actor: str, on: date | None = None, agreement=None,
                        tier_price: Decimal | None = None,
                        signed: bool = False) -> tuple[SubscriptionChange, ChangePreview]:  # fmt: skip
    """Make the change: phases and history (memberships) and its proration charges (here), under the
    subscription's row lock so a billing run never sees half of it. ``signed``: the client signed for
    this change (a supplement), so plans archived since are honoured."""
    on = on or tenant_today()
    subscription = memberships.lock(subscription)
    change = _decide(
        subscription, tier=tier, riders=riders, cycle=cycle, on=on, tier_price=tier_price, signed=signed
    )
    preview = ChangePreview(change, charges_for(change), _billed_in_full(change))
    record = memberships.apply_change(change, actor=actor, agreement=agreement)
    ProrationCharge.objects.bulk_create(
        ProrationCharge(
            tenant_id=subscription.tenant_id, subscription=subscription, change=record, plan=line.plan, on=on,
            period_start=change.period.start, period_end=change.period.end, description=line.description,
            amount=line.amount,
        )
        for line in preview.charges
    )  # fmt: skip
    return record, preview


@transaction.atomic
def start_membership(
    *,
    client,
    tier: Plan | None,
    riders=(),
    cycle: str = BillingCycle.MONTHLY,
    actor: str,
    on: date | None = None,
    tier_price: Decimal | None = None,
) -> Subscription:
    """Start a membership today (staff and API): it rides on the client's signed service contract in force
    and is billed by the next billing run from today (the anchor day). Refused without a contract or when
    the client already has a membership."""
    on = on or tenant_today()
    if client.is_archived:
        raise ValidationError(f"{client} is archived: restore the client first.")
    agreement = current_service_agreement(client, on=on)
    if agreement is None:
        raise ValidationError(
            f"{client} has no signed service contract in force: a membership rides on one. Send a contract "
            "with the plan instead; signing it starts the membership."
        )
    existing = current_subscription(client)
    if existing is not None and (existing.ends_on is None or existing.ends_on > on):
        raise ValidationError(f"{client} already has a membership: change it instead.")
    holding = memberships.requested_holding(tier=tier, riders=riders, cycle=cycle, tier_price=tier_price)
    return memberships.start_subscription(
        client=client, agreement=agreement, holding=holding, started_on=on, actor=actor
    )
