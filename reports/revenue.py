"""Recurring revenue of the current tenant: MRR and ARR today, the monthly MRR movements, retention, MRR
by tier and rider, and contract coverage beside it. Reads only.

A client's MRR on a day is the monthly value of the membership phases in force that day (tier and riders
at their agreed prices; an annual price counts as a twelfth, ``memberships.selectors.per_month``), the
same rule as ``memberships.selectors.monthly_recurring_revenue``. Every phase of the tenant is loaded in
one query and the months are computed in Python (``reports.mrr``), so the number of queries does not grow
with the number of clients or months.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce

from contracts.campaigns import clients_with_signed_contract, coverage
from memberships.models import PhaseRider, Plan, PlanKind, SubscriptionPhase
from memberships.selectors import per_month
from reports import mrr
from reports.mrr import ZERO, MonthMovements, Retention, Span

DEFAULT_MONTHS = 24
MAX_MONTHS = 36


def _spans(*, until: date) -> dict[int, list[Span]]:
    """Every phase that started by ``until``, as MRR spans by client id (one query)."""
    phases = (
        SubscriptionPhase.objects.filter(starts_on__lte=until)
        .annotate(riders_total=Coalesce(Sum("riders__price"), Value(ZERO), output_field=DecimalField()))
        .values(
            "starts_on",
            "ends_on",
            "billing_cycle",
            "plan_price",
            "riders_total",
            "subscription__client_id",
            "subscription__started_on",
            "subscription__ends_on",
        )
        .order_by()
    )
    spans: dict[int, list[Span]] = defaultdict(list)
    for row in phases:
        ends = [day for day in (row["ends_on"], row["subscription__ends_on"]) if day is not None]
        spans[row["subscription__client_id"]].append(
            Span(
                starts_on=max(row["starts_on"], row["subscription__started_on"]),
                ends_on=min(ends) if ends else None,
                monthly=per_month(row["plan_price"] + row["riders_total"], row["billing_cycle"]),
            )
        )
    return spans


def _mrr_on(spans: dict[int, list[Span]], day: date) -> tuple[Decimal, int]:
    values = [sum((s.monthly for s in client if s.covers(day)), ZERO) for client in spans.values()]
    return sum(values, ZERO), sum(1 for value in values if value > 0)


@dataclass(frozen=True)
class MrrSummary:
    """MRR today against the end of last month (for the staff home page)."""

    today: date
    mrr: Decimal
    paying_clients: int
    previous_month_end: date
    previous_mrr: Decimal

    @property
    def arr(self) -> Decimal:
        return self.mrr * 12

    @property
    def change(self) -> Decimal:
        return self.mrr - self.previous_mrr

    @property
    def change_percent(self) -> float | None:
        return mrr.percent(self.change, self.previous_mrr)


def mrr_summary(*, today: date) -> MrrSummary:
    """MRR and ARR on ``today`` (the tenant's day), MRR at the end of the previous month and the change
    since. One query."""
    spans = _spans(until=today)
    previous_month_end = today.replace(day=1) - timedelta(days=1)
    current, paying = _mrr_on(spans, today)
    previous, _ = _mrr_on(spans, previous_month_end)
    return MrrSummary(today, current, paying, previous_month_end, previous)


@dataclass(frozen=True)
class PlanRow:
    """A tier or rider held today: by how many clients, and the MRR it brings."""

    kind: str  # "tier" | "rider" | "none" (memberships of riders only)
    plan_id: int | None
    key: str
    name: str
    clients: int
    mrr: Decimal
    share: float | None  # % of all MRR


def _items_today(today: date) -> list[tuple[int, str, int | None, Decimal]]:
    """(client id, kind, plan id, MRR) for each tier and rider in force today. The cents an annual
    phase's twelfth rounds away from its items' twelfths go to its tier (else its first rider), so the
    items add up to the MRR exactly. Two queries."""
    phases = list(
        SubscriptionPhase.objects.filter(starts_on__lte=today, subscription__started_on__lte=today)
        .exclude(ends_on__lte=today)
        .exclude(subscription__ends_on__lte=today)
        .values("id", "plan_id", "plan_price", "billing_cycle", "subscription__client_id")
        .order_by()
    )
    riders: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    rows = PhaseRider.objects.filter(phase_id__in=[p["id"] for p in phases]).values_list(
        "phase_id", "rider_id", "price"
    )
    for phase_id, rider_id, price in rows.order_by("phase_id", "rider_id"):
        riders[phase_id].append((rider_id, price))
    items = []
    for phase in phases:
        cycle, client = phase["billing_cycle"], phase["subscription__client_id"]
        parts = [("tier" if phase["plan_id"] else "none", phase["plan_id"], phase["plan_price"])]
        parts += [("rider", rider_id, price) for rider_id, price in riders[phase["id"]]]
        total = per_month(sum((price for *_, price in parts), ZERO), cycle)
        values = [per_month(price, cycle) for *_, price in parts]
        values[0 if phase["plan_id"] or len(parts) == 1 else 1] += total - sum(values, ZERO)
        for (kind, plan_id, _), value in zip(parts, values, strict=True):
            items.append((client, kind, plan_id, value))
    return items


def plans_today(*, today: date, total: Decimal | None = None) -> list[PlanRow]:
    """Clients and MRR by tier (rank order; memberships of riders only as "No tier"), then by rider."""
    items = _items_today(today)
    total = sum((value for *_, value in items), ZERO) if total is None else total
    plans = {p.pk: p for p in Plan.objects.all()}
    clients: dict[tuple[str, int | None], set[int]] = defaultdict(set)
    amounts: dict[tuple[str, int | None], Decimal] = defaultdict(lambda: ZERO)
    for client, kind, plan_id, value in items:
        clients[kind, plan_id].add(client)
        amounts[kind, plan_id] += value

    def row(kind, plan_id):
        plan = plans.get(plan_id)
        name = plan.name if plan else "No tier (riders only)"
        return PlanRow(
            kind,
            plan_id,
            plan.key if plan else "",
            name,
            len(clients[kind, plan_id]),
            amounts[kind, plan_id],
            mrr.percent(amounts[kind, plan_id], total),
        )

    def order(key):
        kind, plan_id = key
        plan = plans.get(plan_id)
        rank, name = (plan.rank, plan.name) if plan else (-1, "")
        return {"tier": 0, "none": 1, "rider": 2}[kind], -rank, name

    tiers_and_riders = [row(*key) for key in sorted(clients, key=order)]
    # Tiers nobody holds are shown too (at zero): a plan that sells nothing is worth seeing.
    held = {(r.kind, r.plan_id) for r in tiers_and_riders}
    for plan in plans.values():
        if plan.archived_at is None and (plan.kind, plan.pk) not in held:
            kind = "tier" if plan.kind == PlanKind.TIER else "rider"
            tiers_and_riders.append(
                PlanRow(kind, plan.pk, plan.key, plan.name, 0, ZERO, mrr.percent(0, total))
            )
    return sorted(tiers_and_riders, key=lambda r: order((r.kind, r.plan_id)))


@dataclass(frozen=True)
class CoverageRow:
    key: str  # "signed" | "unsigned"
    label: str
    clients: int  # active clients
    paying_clients: int  # clients with MRR today (archived ones too)
    mrr: Decimal
    clients_share: float | None
    mrr_share: float | None


def coverage_beside_mrr(*, today: date, spans: dict[int, list[Span]]) -> list[CoverageRow]:
    """Contract coverage (active clients with a signed service contract in force today, the rule of
    ``contracts.campaigns.coverage``) with the MRR of the clients on each side."""
    counts = coverage(on=today)
    signed_ids = set(clients_with_signed_contract(on=today).values_list("client_id", flat=True))
    paying = {client: sum((s.monthly for s in spans[client] if s.covers(today)), ZERO) for client in spans}
    paying = {client: value for client, value in paying.items() if value > 0}
    total = sum(paying.values(), ZERO)
    rows = []
    for key, label, clients, on_side in (
        ("signed", "Signed service contract in force", counts.signed, True),
        ("unsigned", "No signed contract in force", counts.unsigned, False),
    ):
        side = {client: value for client, value in paying.items() if (client in signed_ids) == on_side}
        amount = sum(side.values(), ZERO)
        rows.append(
            CoverageRow(
                key,
                label,
                clients,
                len(side),
                amount,
                mrr.percent(clients, counts.clients),
                mrr.percent(amount, total),
            )
        )
    return rows


@dataclass(frozen=True)
class RevenueReport:
    today: date
    months: list[MonthMovements]  # oldest first; the last is the current month, to date
    plans: list[PlanRow]
    coverage: list[CoverageRow]

    @property
    def current(self) -> MonthMovements:
        return self.months[-1]

    @property
    def mrr(self) -> Decimal:
        return self.current.closing

    @property
    def arr(self) -> Decimal:
        return self.mrr * 12

    @property
    def previous_month_end(self) -> date:
        return self.current.month - timedelta(days=1)

    @property
    def previous_mrr(self) -> Decimal:
        return self.current.opening

    @property
    def change(self) -> Decimal:
        return self.current.net

    @property
    def paying_clients(self) -> int:
        return self.current.paying_at_end

    @property
    def trailing(self) -> Retention | None:
        return self.current.trailing

    @property
    def is_empty(self) -> bool:
        return not any(row.opening or row.closing for row in self.months)


def revenue_report(*, today: date, months: int = DEFAULT_MONTHS) -> RevenueReport:
    """The revenue page: ``months`` months up to today's (to date), each with its MRR movements and its
    trailing-12-month retention; MRR by plan and contract coverage today. A constant number of queries."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be between 1 and {MAX_MONTHS}")
    spans = _spans(until=today)
    days = mrr.snapshot_days(today, months + 1 + mrr.TRAILING_MONTHS)
    series = mrr.cents_series(spans, days)
    rows = mrr.movements(series, days=days, paid_before=mrr.paid_at_a_month_end_before(spans, days[0]))
    shown = rows[-months:]
    return RevenueReport(
        today=today,
        months=shown,
        plans=plans_today(today=today, total=shown[-1].closing),
        coverage=coverage_beside_mrr(today=today, spans=spans),
    )
