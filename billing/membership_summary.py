"""What a client's membership looks like today, for the client page's panel and the API: what it holds
at which agreed prices, its period, when it is next invoiced, what is scheduled and what happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from billing.subscriptions import period_invoiced, periods_invoiced
from contracts.models import Agreement
from contracts.selectors import current_service_agreement
from memberships import selectors
from memberships.models import Plan, Subscription, SubscriptionChange, SubscriptionPhase, SubscriptionStatus
from memberships.periods import Period
from memberships.services import Holding, holding_of
from tenants.localtime import tenant_today

NONE, UPCOMING, ACTIVE, CANCELLING, ENDED = "none", "upcoming", "active", "cancelling", "ended"


def membership_state(subscription: Subscription | None, *, today: date) -> str:
    if subscription is None:
        return NONE
    if subscription.status == SubscriptionStatus.ENDED or (
        subscription.ends_on is not None and subscription.ends_on <= today
    ):
        return ENDED
    if subscription.started_on > today:
        return UPCOMING
    return CANCELLING if subscription.ends_on is not None else ACTIVE


def next_invoice_on(
    subscription: Subscription, *, today: date, invoiced: set[int] | None = None
) -> date | None:
    """The first day of the next period to invoice: the current one while it has no invoice yet (the next
    billing run issues it), else the next one; none when the membership ends before it. ``invoiced``: the
    ids of subscriptions whose current period is invoiced, read beforehand for a list
    (``current_periods_invoiced``); without it, this asks."""
    state = membership_state(subscription, today=today)
    if state == UPCOMING:
        return subscription.started_on
    if state not in (ACTIVE, CANCELLING):
        return None
    period = selectors.current_period(subscription, today)
    done = subscription.pk in invoiced if invoiced is not None else period_invoiced(subscription, period)
    if not done:
        return period.start
    if subscription.ends_on is not None and period.end >= subscription.ends_on:
        return None
    return period.end


def current_periods_invoiced(subscriptions, *, today: date) -> set[int]:
    """The ids of ``subscriptions`` (running ones) whose current period has its invoice, in one query:
    what ``next_invoice_on`` asks each, asked once for a page."""
    running = [s for s in subscriptions if membership_state(s, today=today) in (ACTIVE, CANCELLING)]
    return periods_invoiced({s.pk: selectors.current_period(s, today) for s in running})


@dataclass(frozen=True)
class MembershipSummary:
    client: object
    subscription: Subscription | None
    state: str
    today: date
    phase: SubscriptionPhase | None = None
    holding: Holding | None = None
    period: Period | None = None
    next_invoice_on: date | None = None
    scheduled: SubscriptionPhase | None = None
    scheduled_holding: Holding | None = None
    history: tuple[SubscriptionChange, ...] = field(default_factory=tuple)
    contract: Agreement | None = None  # the signed service contract in force, which a membership rides on

    @property
    def plans(self) -> list[Plan]:
        return [plan for plan, _ in self.holding.items()] if self.holding else []

    @property
    def monthly_value(self) -> Decimal:
        return selectors.monthly_value(self.phase) if self.phase else Decimal("0.00")

    @property
    def period_last_day(self) -> date | None:
        return date.fromordinal(self.period.end.toordinal() - 1) if self.period else None

    @property
    def invoiced_by_next_run(self) -> bool:
        """The next invoice is the current (or first) period's, which the next billing run issues."""
        return self.next_invoice_on is not None and self.next_invoice_on <= self.today

    @property
    def can_start(self) -> bool:
        return self.state in (NONE, ENDED) and self.contract is not None

    @property
    def can_change(self) -> bool:
        return self.state in (ACTIVE, CANCELLING)


def membership_summary(
    client, *, today: date | None = None, history_limit: int | None = 20
) -> MembershipSummary:
    today = today or tenant_today()
    subscription = selectors.latest_subscription(client)
    state = membership_state(subscription, today=today)
    contract = current_service_agreement(client, on=today) if state in (NONE, ENDED) else None
    if subscription is None:
        return MembershipSummary(
            client=client, subscription=None, state=state, today=today, contract=contract
        )
    phase = selectors.phase_to_show(subscription, today)
    scheduled = selectors.scheduled_phase(subscription, today) if state in (ACTIVE, CANCELLING) else None
    changes = selectors.history(subscription)
    return MembershipSummary(
        client=client,
        subscription=subscription,
        state=state,
        today=today,
        phase=phase,
        holding=holding_of(phase) if phase else None,
        period=selectors.current_period(subscription, today) if state in (ACTIVE, CANCELLING) else None,
        next_invoice_on=next_invoice_on(subscription, today=today),
        scheduled=scheduled,
        scheduled_holding=holding_of(scheduled) if scheduled else None,
        history=tuple(changes[:history_limit] if history_limit else changes),
        contract=contract,
    )
