"""A client's standing in the utilisation program: this period so far, the tier reached so far, what the
next tier needs, and the last evaluations. Reads only; the rules are ``rewards.utilization``'s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from memberships.periods import Period
from memberships.selectors import current_period, current_subscription
from rewards.models import UtilizationEvaluation
from rewards.utilization import (
    ProgramSettings,
    Tier,
    month_start,
    next_month,
    percent_text,
    period_phrase,
    program_settings,
    tickets_opened,
    utilization_percent,
)


@dataclass(frozen=True)
class NextStep:
    tier: Tier
    max_tickets: int  # in the whole period
    text: str


@dataclass(frozen=True)
class UtilizationStanding:
    settings: ProgramSettings
    period: Period
    member: bool
    tickets: int
    endpoints: int
    percent: Decimal | None
    tier: Tier | None  # reached so far
    keep_text: str  # what keeps it until the period ends
    next_step: NextStep | None
    evaluations: list[UtilizationEvaluation]

    @property
    def last_day(self) -> date:
        return self.period.end - timedelta(days=1)

    @property
    def period_text(self) -> str:
        return period_phrase(self.period.start, self.period.end)

    @property
    def measurable(self) -> bool:
        return self.endpoints > 0

    @property
    def target_tickets(self) -> int:
        """The most tickets within the target (at or under it) on these endpoints."""
        return int(self.settings.target_percent * self.endpoints / 100)

    @property
    def over_target(self) -> bool:
        return self.percent is not None and self.percent > self.settings.target_percent


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _keep(reached: Tier | None, tickets: int, endpoints: int, by: date, *, best: bool) -> str:
    """What keeps the tier reached so far: tickets only go up in a period, so it is a ceiling."""
    if reached is None:
        return ""
    most = reached.max_tickets(endpoints)
    left = most - tickets
    more = "no more" if left == 0 else f"{left} more at most"
    lead = "Best tier reached so far: stay" if best else "Stay"
    reward = f"{percent_text(reached.reward_percent)}% off"
    return f"{lead} at {most} tickets or fewer by {_day(by)} ({more}) to keep {reward}."


def _next_step(settings: ProgramSettings, reached: Tier | None, tickets: int, endpoints: int):
    """The next better tier than the one reached so far (the first tier when none is): already out of
    reach this period, as tickets cannot go down, so how far off it was and that it comes back."""
    if endpoints <= 0:
        return None
    better = [t for t in settings.tiers if reached is None or t.below_percent < reached.below_percent]
    if not better:
        return None
    aim = better[-1]
    most = aim.max_tickets(endpoints)
    over = tickets - most
    text = (
        f"{percent_text(aim.reward_percent)}% off needs at most {most} tickets in a period: {over} fewer "
        f"ticket{'' if over == 1 else 's'} this period would have reached it. "
        "It is within reach again next period."
    )
    return NextStep(aim, most, text)


def utilization_standing(client, on: date, *, evaluations: int = 6) -> UtilizationStanding | None:
    """The client's utilisation this period up to ``on`` (inclusive), against the program's tiers; None
    while the program is switched off."""
    settings = program_settings()
    if not settings.enabled:
        return None
    subscription = current_subscription(client)
    if subscription is not None and subscription.started_on <= on:
        period = current_period(subscription, on)
    else:
        subscription = None
        period = Period(month_start(on), next_month(on))
    tickets = tickets_opened(client, period.start, on + timedelta(days=1))
    endpoints = client.managed_endpoints
    reached = settings.tier_reached(tickets, endpoints)
    return UtilizationStanding(
        settings=settings,
        period=period,
        member=subscription is not None,
        tickets=tickets,
        endpoints=endpoints,
        percent=utilization_percent(tickets, endpoints),
        tier=reached,
        keep_text=_keep(
            reached,
            tickets,
            endpoints,
            period.end - timedelta(days=1),
            best=bool(settings.tiers) and reached == settings.tiers[0],
        ),
        next_step=_next_step(settings, reached, tickets, endpoints),
        evaluations=list(
            UtilizationEvaluation.objects.filter(client=client)
            .select_related("reward")
            .order_by("-period_end")[:evaluations]
        ),
    )


def portal_section(client, on: date) -> dict | None:
    standing = utilization_standing(client, on, evaluations=3)
    return None if standing is None else {"standing": standing}


def staff_section(client, on: date) -> dict | None:
    standing = utilization_standing(client, on)
    return None if standing is None else {"standing": standing}
