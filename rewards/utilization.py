"""Utilisation rewards: clients who open few tickets for the endpoints we manage get money off their next
plan invoice.

**Utilisation** is the tickets opened for a client in a period per managed endpoint
(``Client.managed_endpoints``, as it stands at the evaluation), as a percent: 20 tickets on 100
endpoints is 20%. The same measure as the utilisation report (``reports.selectors.utilization``).

**Which tickets count**: every ticket opened for the client in the period (its ``created_at``, on the
tenant's calendar), whatever its channel or status. Accord has no "proactive" flag (a ticket staff open
is as often the client's phone call as our own initiative) and no merged, duplicate or spam status to
leave out; a ticket opened by mistake should be closed, and it still counts, as it does in the report.

**Tiers**: a tier is reached when utilisation is strictly *under* its threshold (on 80 endpoints, the
10% tier allows at most 7 tickets: 8 is 10%). The tier with the lowest threshold reached wins; it is
also the one that gives the most (``save_utilization_program`` refuses tiers that do not).

**Periods**: a member's periods are its membership billing periods (monthly or annual, from the
anchor day; ``memberships.periods``). Only whole periods inside the membership are evaluated: a span
cut by the membership's start or end, or by a switch to a cycle with another anchor month, would hold
fewer days than the target is meant for. A client with no membership on any day of a calendar month is
evaluated for that month, but has no plan invoice to discount: the evaluation is kept, with no credit,
and says so. A client with no endpoints cannot be evaluated: the evaluation says so and grants nothing.
Archived clients are not evaluated.

**Reward**: for a tier reached, a ``credit`` reward (through ``rewards.services.grant_reward``) worth
reward_percent of the next plan invoice: the tier and riders, at their agreed prices, of the phase in
force on the period's end day (the first day of the period that follows), which the billing run invoices
that day. The rewards run comes before the billing run, so the credit is spent by that invoice; credit
left over (an invoice smaller than the credit) is spent by the next ones, once.

**When**: ``grant_utilization_rewards(on)`` evaluates every period that ended on or before ``on`` (its
exclusive end is ``on`` or earlier) within the last ``CATCH_UP_DAYS`` days: a missed run catches up, and
switching the program on does not reward years back. One ``UtilizationEvaluation`` per (client, period
start), unique in the database, and one reward per (client, period) in the ledger: running twice, or two
runs at once, evaluates and grants once.
"""

from __future__ import annotations

import calendar
import itertools
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch

from clients.models import Client
from memberships.models import Subscription
from memberships.periods import Period
from memberships.selectors import current_period, phase_on, phases_with_riders
from rewards.models import (
    EvaluationBasis,
    EvaluationOutcome,
    Program,
    Reward,
    RewardKind,
    UtilizationEvaluation,
    UtilizationProgram,
    UtilizationTier,
)
from rewards.models.utilization import DEFAULT_TARGET_PERCENT
from rewards.services import grant_reward
from tenants.currency import money
from tenants.localtime import tenant_zone
from tickets.models import Ticket

CATCH_UP_DAYS = 62
MAX_TIERS = 6
RUN_ACTOR = "utilisation rewards run"
CENT = Decimal("0.01")
HUNDRED = Decimal("100")


# --- Settings -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    below_percent: Decimal
    reward_percent: Decimal
    name: str = ""

    @property
    def label(self) -> str:
        text = f"under {percent_text(self.below_percent)}%"
        return f"{self.name} ({text})" if self.name else text

    def max_tickets(self, endpoints: int) -> int:
        """The most tickets on ``endpoints`` that stay strictly under the threshold."""
        return math.ceil(self.below_percent * endpoints / HUNDRED) - 1

    def reached_by(self, tickets: int, endpoints: int) -> bool:
        return endpoints > 0 and tickets * HUNDRED < self.below_percent * endpoints


@dataclass(frozen=True)
class ProgramSettings:
    """The tenant's program as the runner and the pages read it (defaults when never saved)."""

    enabled: bool
    target_percent: Decimal
    tiers: tuple[Tier, ...]  # most demanding (lowest threshold, biggest reward) first
    updated_at: datetime | None = None
    updated_by: str = ""

    def tier_reached(self, tickets: int, endpoints: int) -> Tier | None:
        return next((tier for tier in self.tiers if tier.reached_by(tickets, endpoints)), None)


def program_settings() -> ProgramSettings:
    """The current tenant's utilisation program: switched off with a 20% target until saved."""
    program = UtilizationProgram.objects.prefetch_related("tiers").first()
    if program is None:
        return ProgramSettings(enabled=False, target_percent=DEFAULT_TARGET_PERCENT, tiers=())
    tiers = sorted(program.tiers.all(), key=lambda tier: tier.below_percent)
    return ProgramSettings(
        enabled=program.enabled,
        target_percent=program.target_percent,
        tiers=tuple(Tier(t.below_percent, t.reward_percent, t.name) for t in tiers),
        updated_at=program.updated_at,
        updated_by=program.updated_by,
    )


def _percent_value(value, *, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValidationError({field: f"{label} must be a number, e.g. 10 or 7.5."}) from None
    if not number.is_finite() or number <= 0 or number > HUNDRED:
        raise ValidationError({field: f"{label} must be above 0 and at most 100."})
    if number != number.quantize(CENT):
        raise ValidationError({field: f"{label} takes at most two decimals."})
    return number.quantize(CENT)


def validated_tiers(tiers, *, target_percent: Decimal) -> list[Tier]:
    """The tiers as given (dicts or ``Tier``), checked: percents above 0 and at most 100, thresholds
    distinct and at most the target, and a lower threshold always giving a bigger reward."""
    checked = []
    for index, raw in enumerate(tiers, start=1):
        item = raw if isinstance(raw, dict) else raw.__dict__
        below = _percent_value(
            item.get("below_percent", ""), field="tiers", label=f"Tier {index}'s threshold"
        )
        reward = _percent_value(item.get("reward_percent", ""), field="tiers", label=f"Tier {index}'s reward")
        name = str(item.get("name") or "").strip()
        if len(name) > 60:
            raise ValidationError({"tiers": f"Tier {index}'s name is longer than 60 characters."})
        if below > target_percent:
            raise ValidationError(
                {
                    "tiers": f"Tier {index} rewards utilisation under {percent_text(below)}%, above the "
                    f"{percent_text(target_percent)}% target: a tier rewards doing better than the target."
                }
            )
        checked.append(Tier(below, reward, name))
    if len(checked) > MAX_TIERS:
        raise ValidationError({"tiers": f"At most {MAX_TIERS} tiers."})
    checked.sort(key=lambda tier: tier.below_percent)
    for better, worse in itertools.pairwise(checked):
        if better.below_percent == worse.below_percent:
            raise ValidationError(
                {"tiers": f"Two tiers have the same threshold ({percent_text(better.below_percent)}%)."}
            )
        if better.reward_percent <= worse.reward_percent:
            raise ValidationError(
                {
                    "tiers": f"The tier under {percent_text(better.below_percent)}% must give more than the "
                    f"tier under {percent_text(worse.below_percent)}% "
                    f"({percent_text(worse.reward_percent)}% off): lower utilisation earns more."
                }
            )
    return checked


@transaction.atomic
def save_utilization_program(
    *, enabled: bool, target_percent, tiers, actor: str, tenant=None
) -> ProgramSettings:
    """Set the current tenant's utilisation program: the target and the whole list of tiers (replacing
    the ones saved). Validates everything first and writes nothing on a bad value; an enabled program
    needs at least one tier. Evaluations already made keep the tier they recorded."""
    from tenants.scope import current_tenant

    tenant = tenant or current_tenant()
    target = _percent_value(target_percent, field="target_percent", label="The target")
    checked = validated_tiers(list(tiers), target_percent=target)
    if enabled and not checked:
        raise ValidationError({"tiers": "Add at least one tier before switching the program on."})
    program, _ = UtilizationProgram.objects.select_for_update().get_or_create(tenant=tenant)
    program.enabled = bool(enabled)
    program.target_percent = target
    program.updated_by = actor[:200]
    program.save()
    program.tiers.all().delete()
    UtilizationTier.objects.bulk_create(
        [
            UtilizationTier(
                tenant=tenant,
                program=program,
                below_percent=t.below_percent,
                reward_percent=t.reward_percent,
                name=t.name,
            )
            for t in checked
        ]
    )
    return program_settings()


def utilization_target_percent() -> Decimal | None:
    """The tenant's target when it has saved the program (switched on or not), else None."""
    return UtilizationProgram.objects.values_list("target_percent", flat=True).first()


# --- Measuring ----------------------------------------------------------------------------------------


def percent_text(value: Decimal) -> str:
    """7.50 -> '7.5', 20.00 -> '20'."""
    return format(Decimal(value).quantize(CENT).normalize(), "f")


def utilization_percent(tickets: int, endpoints: int) -> Decimal | None:
    if endpoints <= 0:
        return None
    return (Decimal(tickets) * HUNDRED / endpoints).quantize(CENT, rounding=ROUND_HALF_UP)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = tenant_zone()
    return datetime.combine(start, time.min, tzinfo=zone), datetime.combine(end, time.min, tzinfo=zone)


def tickets_opened(client, start: date, end: date) -> int:
    """Tickets opened for ``client`` from ``start`` up to ``end`` (exclusive), on the tenant's calendar."""
    low, high = _bounds(start, end)
    return Ticket.objects.filter(client=client, created_at__gte=low, created_at__lt=high).count()


def _tickets_by_client(client_ids, start: date, end: date) -> dict[int, int]:
    low, high = _bounds(start, end)
    rows = (
        Ticket.objects.filter(client_id__in=list(client_ids), created_at__gte=low, created_at__lt=high)
        .values("client_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["client_id"]: row["n"] for row in rows}


def period_phrase(start: date, end: date) -> str:
    """'November 2026', '2026', or '15 Nov 2026 – 14 Dec 2026' (``end`` exclusive)."""
    last = end - timedelta(days=1)
    if start.day == 1 and last.day == calendar.monthrange(last.year, last.month)[1]:
        if start.year == last.year and start.month == last.month:
            return start.strftime("%B %Y")
        if start.month == 1 and last.month == 12 and start.year == last.year:
            return str(start.year)
    return f"{start.day} {start:%b %Y} – {last.day} {last:%b %Y}"


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


# --- Which periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DuePeriod:
    client: Client
    period: Period
    basis: str
    subscription: Subscription | None = None


def _subscriptions_by_client(client_ids) -> dict[int, list[Subscription]]:
    found: dict[int, list[Subscription]] = {}
    subscriptions = (
        Subscription.objects.filter(client_id__in=list(client_ids))
        .prefetch_related(Prefetch("phases", queryset=phases_with_riders()))
        .order_by("started_on", "id")
    )
    for subscription in subscriptions:
        found.setdefault(subscription.client_id, []).append(subscription)
    return found


def membership_periods(subscription: Subscription, *, until: date) -> list[Period]:
    """The whole billing periods of ``subscription`` that ended on or before ``until``, oldest first."""
    periods = []
    cursor = subscription.started_on
    while cursor < until:
        period = current_period(subscription, cursor)
        if period.end > until or (subscription.ends_on and period.end > subscription.ends_on):
            break
        if period.start == cursor:  # whole: not cut by the membership's start or a cycle switch
            periods.append(period)
        cursor = period.end
    return periods


def _covered_by_membership(subscriptions: list[Subscription], start: date, end: date) -> bool:
    return any(s.started_on < end and (s.ends_on is None or s.ends_on > start) for s in subscriptions)


def due_periods(on: date, clients=None) -> list[DuePeriod]:
    """Every (client, period) whose period ended on or before ``on`` in the last ``CATCH_UP_DAYS``
    days, evaluated or not: members by their billing periods, others by calendar month."""
    since = on - timedelta(days=CATCH_UP_DAYS)
    clients = list(clients if clients is not None else Client.objects.filter(archived_at__isnull=True))
    subscriptions = _subscriptions_by_client([client.pk for client in clients])
    due = []
    for client in clients:
        held = subscriptions.get(client.pk, [])
        for subscription in held:
            for period in membership_periods(subscription, until=on):
                if period.end > since:
                    due.append(DuePeriod(client, period, EvaluationBasis.MEMBERSHIP, subscription))
        month = month_start(since)
        while next_month(month) <= on:
            end = next_month(month)
            if end > since and not _covered_by_membership(held, month, end):
                due.append(DuePeriod(client, Period(month, end), EvaluationBasis.CALENDAR_MONTH))
            month = end
    return sorted(due, key=lambda d: (d.period.end, d.client.pk))


# --- Evaluating and granting --------------------------------------------------------------------------


def next_plan_invoice_price(subscription: Subscription, period: Period) -> Decimal | None:
    """What the plan invoice of the period after ``period`` charges: the tier and riders of the phase in
    force on its first day. None when the membership does not go on."""
    phase = phase_on(subscription, period.end)
    if phase is None:
        return None
    return phase.plan_price + sum((item.price for item in phase.riders.all()), Decimal("0"))


@dataclass
class Verdict:
    tickets: int
    endpoints: int
    percent: Decimal | None
    tier: Tier | None
    outcome: str
    note: str
    value: Decimal = Decimal("0")
    reason: str = ""
    details: dict = field(default_factory=dict)


def _ticket_words(count: int) -> str:
    return f"{count} ticket{'' if count == 1 else 's'}"


def judge(due: DuePeriod, *, tickets: int, settings: ProgramSettings, currency: str) -> Verdict:
    """What one ended period earns (pure given its inputs)."""
    endpoints = due.client.managed_endpoints
    when = period_phrase(due.period.start, due.period.end)
    if endpoints <= 0:
        note = (
            f"{_ticket_words(tickets)} in {when}, but no managed endpoints are recorded: "
            "utilisation cannot be measured."
        )
        return Verdict(tickets, 0, None, None, EvaluationOutcome.NO_ENDPOINTS, note)
    percent = utilization_percent(tickets, endpoints)
    measured = f"{_ticket_words(tickets)} on {endpoints} endpoints ({percent_text(percent)}%) in {when}"
    tier = settings.tier_reached(tickets, endpoints)
    if tier is None:
        worst = settings.tiers[-1] if settings.tiers else None
        needed = f": the {worst.label} tier needed at most {worst.max_tickets(endpoints)}" if worst else ""
        return Verdict(tickets, endpoints, percent, None, EvaluationOutcome.NO_TIER, f"{measured}{needed}.")
    reason = f"{measured}, under the {percent_text(tier.below_percent)}% tier"
    if due.subscription is None:
        note = f"{reason}; no membership, so no plan invoice to discount."
        return Verdict(tickets, endpoints, percent, tier, EvaluationOutcome.NO_PLAN_INVOICE, note)
    price = next_plan_invoice_price(due.subscription, due.period)
    if price is None:
        note = (
            f"{reason}; the membership ended with this period, so there is no next plan invoice to discount."
        )
        return Verdict(tickets, endpoints, percent, tier, EvaluationOutcome.NO_PLAN_INVOICE, note)
    value = (price * tier.reward_percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    if value <= 0:
        note = (
            f"{reason}; the next plan invoice is {money(price, currency)}, so there is nothing to take off."
        )
        return Verdict(tickets, endpoints, percent, tier, EvaluationOutcome.NO_PLAN_INVOICE, note)
    note = (
        f"{reason}: {percent_text(tier.reward_percent)}% of the next plan invoice "
        f"({money(price, currency)}) is {money(value, currency)} of account credit."
    )
    details = {"next_invoice_price": str(price), "tickets": tickets, "endpoints": endpoints}
    return Verdict(
        tickets, endpoints, percent, tier, EvaluationOutcome.REWARDED, note, value, reason, details
    )


def reward_key(period: Period) -> str:
    return f"period-{period.start.isoformat()}"


def _evaluate(due: DuePeriod, *, tickets: int, settings: ProgramSettings, on: date, currency: str):
    """Record one period's evaluation and grant its reward; returns the reward created, if any."""
    verdict = judge(due, tickets=tickets, settings=settings, currency=currency)
    grant = None
    try:
        with transaction.atomic():  # a savepoint: a run beside this one may have evaluated it first
            if verdict.outcome == EvaluationOutcome.REWARDED:
                grant = grant_reward(
                    due.client,
                    program=Program.UTILIZATION,
                    key=reward_key(due.period),
                    kind=RewardKind.CREDIT,
                    title=f"{percent_text(verdict.tier.reward_percent)}% off your next plan invoice",
                    reason=verdict.reason,
                    actor=RUN_ACTOR,
                    value=verdict.value,
                    percent=verdict.tier.reward_percent,
                    on=on,
                    period=(due.period.start, due.period.end),
                    details=verdict.details,
                )
            UtilizationEvaluation.objects.create(
                tenant_id=due.client.tenant_id,
                client=due.client,
                period_start=due.period.start,
                period_end=due.period.end,
                basis=due.basis,
                tickets=verdict.tickets,
                endpoints=verdict.endpoints,
                percent=verdict.percent,
                target_percent=settings.target_percent,
                tier_name=verdict.tier.name if verdict.tier else "",
                tier_below_percent=verdict.tier.below_percent if verdict.tier else None,
                tier_reward_percent=verdict.tier.reward_percent if verdict.tier else None,
                outcome=verdict.outcome,
                note=verdict.note[:400],
                reward=grant.reward if grant else None,
                evaluated_on=on,
            )
    except IntegrityError:
        if not UtilizationEvaluation.objects.filter(
            client=due.client, period_start=due.period.start
        ).exists():
            raise
        return None
    return grant.reward if grant and grant.created else None


def grant_utilization_rewards(on: date) -> list[Reward]:
    """The utilisation program's runner (``rewards.programs``): evaluate every client's periods that
    ended on or before ``on`` in the last ``CATCH_UP_DAYS`` days and not evaluated yet, and grant the
    credit of each tier reached. Idempotent and safe beside another run (see the module's docstring).
    Returns the rewards created by this call. Does nothing while the program is switched off."""
    settings = program_settings()
    if not settings.enabled:
        return []
    from tenants.scope import current_tenant

    currency = current_tenant().currency
    due = due_periods(on)
    done = set(
        UtilizationEvaluation.objects.filter(period_end__gt=on - timedelta(days=CATCH_UP_DAYS)).values_list(
            "client_id", "period_start"
        )
    )
    due = [d for d in due if (d.client.pk, d.period.start) not in done]
    created = []
    by_period: dict[tuple[date, date], list[DuePeriod]] = {}
    for item in due:
        by_period.setdefault((item.period.start, item.period.end), []).append(item)
    for (start, end), items in by_period.items():
        counts = _tickets_by_client([item.client.pk for item in items], start, end)
        for item in items:
            reward = _evaluate(
                item, tickets=counts.get(item.client.pk, 0), settings=settings, on=on, currency=currency
            )
            if reward is not None:
                created.append(reward)
    return created
