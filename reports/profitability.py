"""Profitability per client and per agreement over a period: reads only, in the current tenant.

The definitions (the page prints them, ``DEFINITIONS``):

- **Membership** and **labour** revenue: the lines of invoices *issued* in the period (issue date in the
  tenant's days), net of tax; drafts and void invoices never count. Membership = plan, rider and proration
  lines; labour = labour and adjustment lines. Account-credit lines are not revenue nor a reduction: they
  are a way of paying (the credit was counted when it was granted, below).
- **Credit notes**: what credit notes issued in the period reverse of their invoices' lines, net of tax
  (a credit note of a void invoice is left out with the invoice; the reversal of an account-credit line
  is left out like the line).
- **Account credit**: credit granted in the period by rewards or staff (goodwill). Credit that gives back
  money already paid on a credited invoice is not counted again: its credit note already was.
- **Revenue** = membership + labour − credit notes − account credit.
- **Labour cost**: every time entry *worked* in the period, covered or billable, at the cost rate of its
  technician in force on that day (``tickets.models.COST``, rounded per entry, as the entry shows it).
- **Margin** = revenue − labour cost; **margin %** = margin / revenue (none without revenue).
- **Effective hourly rate** = revenue / hours worked (none without hours).
- **Included hours**: the plan's (tier and riders) labour hours per period, per month (an annual plan's
  ÷ 12), counted for each month of the report by the share of its days the client held the plan.
  Covered hours are the hours of covered time entries.

Per agreement, each amount goes to the client's service contract in force on its day (the invoice's
period start, the credit note's invoice's period start, the grant day, the work day; an expired
contract counts for its term); what falls outside every contract is "no agreement".

Every figure is summed in PostgreSQL, grouped by client (and agreement): a constant number of queries
whatever the number of clients.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from billing.models import (
    CreditEntry,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
)
from clients.models import Client
from contracts.models import IN_FORCE, Agreement, AgreementStatus, TemplateKind
from memberships.models import SubscriptionPhase
from reports.periods import Period
from tickets.models import COST, TimeEntry

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MEMBERSHIP_KINDS = (LineKind.PLAN, LineKind.RIDER, LineKind.PRORATION)
LABOUR_KINDS = (LineKind.LABOUR, LineKind.ADJUSTMENT)
REVENUE_KINDS = MEMBERSHIP_KINDS + LABOUR_KINDS
NOT_REVENUE = (InvoiceStatus.DRAFT, InvoiceStatus.VOID)
CREDIT_REFUND_SOURCE = "billing"  # billing.services.issue_credit_note gives paid money back as credit
# Contracts that were in force for their term (an expired one was, until it ended).
COUNTED_AGREEMENTS = (*IN_FORCE, AgreementStatus.EXPIRED)
SORTS = {
    "margin": "Margin (losses first)",
    "-margin": "Margin (best first)",
    "revenue": "Revenue",
    "cost": "Labour cost",
    "margin_percent": "Margin %",
    "hours": "Hours worked",
    "client": "Client",
}
DEFAULT_SORT = "margin"

DEFINITIONS = [
    ("Revenue", "Membership (plan, rider and proration lines) plus labour (labour and adjustment lines) of "
                "invoices issued in the period, net of tax, minus credit notes issued in the period (net of "
                "tax) and account credit granted in the period by rewards or staff. Drafts and void invoices "
                "never count; using account credit to pay is not revenue lost twice."),
    ("Labour cost", "Every time entry worked in the period, covered or billable, at its technician's cost "
                    "rate in force on the day of the work (set on the team page)."),
    ("Margin", "Revenue minus labour cost; margin % is margin ÷ revenue."),
    ("Effective hourly rate", "Revenue ÷ hours worked: what an hour of work for the client brought in."),
    ("Included hours", "The plan's included labour hours per month (an annual plan's ÷ 12), each month "
                       "counted by the share of its days the client held the plan; beside it the hours of "
                       "covered work."),
]  # fmt: skip


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class ProfitRow:
    """One client's (or one agreement's) figures for the period."""

    client_id: int
    client: str
    agreement_id: int | None = None
    agreement: str = ""
    membership: Decimal = ZERO
    labour: Decimal = ZERO
    credit_notes: Decimal = ZERO
    credits: Decimal = ZERO
    cost: Decimal = ZERO
    minutes: int = 0
    covered_minutes: int = 0
    included_hours: Decimal = ZERO
    archived: bool = False

    @property
    def billed(self) -> Decimal:
        return self.membership + self.labour

    @property
    def credited(self) -> Decimal:
        """Credit notes and account credit: what revenue is net of."""
        return self.credit_notes + self.credits

    @property
    def revenue(self) -> Decimal:
        return self.membership + self.labour - self.credit_notes - self.credits

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        if self.revenue <= 0:
            return None
        return (100 * self.margin / self.revenue).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def covered_hours(self) -> Decimal:
        return (Decimal(self.covered_minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def effective_rate(self) -> Decimal | None:
        return _cents(self.revenue * 60 / self.minutes) if self.minutes else None

    @property
    def is_loss(self) -> bool:
        return self.margin < 0

    @property
    def over_included(self) -> bool:
        return self.covered_hours > self.included_hours

    def add(self, other: ProfitRow) -> None:
        for name in ("membership", "labour", "credit_notes", "credits", "cost", "minutes", "covered_minutes",
                     "included_hours"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Report:
    period: Period
    rows: list[ProfitRow]
    totals: ProfitRow = field(default_factory=lambda: ProfitRow(0, "All clients"))

    @property
    def losses(self) -> list[ProfitRow]:
        return [row for row in self.rows if row.is_loss]


# --- Sums in SQL -------------------------------------------------------------------------------------

_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _sum(expression, **filters):
    return Coalesce(
        Sum(expression, filter=Q(**filters) if filters else None), Value(ZERO), output_field=_MONEY
    )


def _agreement_on(client_path: str, day_path: str):
    """The id of the client's service contract in force on a day (newest first, as
    contracts.selectors.current_service_agreement; an expired one for its term)."""
    return Subquery(
        Agreement.objects.filter(
            client_id=OuterRef(client_path), parent__isnull=True, status__in=COUNTED_AGREEMENTS,
            version__template__kind=TemplateKind.SERVICE_CONTRACT, starts_on__lte=OuterRef(day_path),
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef(day_path)))
        .order_by("-starts_on", "-id")
        .values("pk")[:1],
        output_field=IntegerField(),
    )  # fmt: skip


def _grouped(queryset, *, client_path: str, day_path: str, by_agreement: bool, **sums):
    keys = {"client_key": F(client_path)}
    if by_agreement:
        queryset = queryset.annotate(agreement_key=_agreement_on(client_path, day_path))
        keys["agreement"] = F("agreement_key")
    return queryset.order_by().values(**keys).annotate(**sums)


_RENAMED = {"worked": "minutes", "covered_worked": "covered_minutes"}  # a name may not shadow a field


def _figures(period: Period, *, by_agreement: bool, client_ids=None) -> dict[tuple, dict]:
    """{(client id, agreement id or None): {figure: amount}}: four grouped queries."""
    start, end = period.start, period.end
    lines = InvoiceLine.objects.filter(invoice__issued_on__range=(start, end)).exclude(
        invoice__status__in=NOT_REVENUE
    )
    notes = CreditNoteLine.objects.filter(credit_note__issued_on__range=(start, end)).exclude(
        Q(credit_note__invoice__status__in=NOT_REVENUE) | Q(invoice_line__kind=LineKind.CREDIT)
    )
    grants = CreditEntry.objects.filter(amount__gt=0, granted_on__range=(start, end)).exclude(
        source=CREDIT_REFUND_SOURCE
    )
    entries = TimeEntry.objects.filter(worked_on__range=(start, end))
    if client_ids is not None:
        lines = lines.filter(invoice__client_id__in=client_ids)
        notes = notes.filter(credit_note__invoice__client_id__in=client_ids)
        grants = grants.filter(client_id__in=client_ids)
        entries = entries.filter(ticket__client_id__in=client_ids)
    found: dict[tuple, dict] = defaultdict(dict)
    queries = [
        _grouped(lines, client_path="invoice__client_id", day_path="invoice__period_start",
                 by_agreement=by_agreement, membership=_sum("amount", kind__in=MEMBERSHIP_KINDS),
                 labour=_sum("amount", kind__in=LABOUR_KINDS)),
        _grouped(notes, client_path="credit_note__invoice__client_id",
                 day_path="credit_note__invoice__period_start", by_agreement=by_agreement,
                 credit_notes=_sum("amount")),
        _grouped(grants, client_path="client_id", day_path="granted_on", by_agreement=by_agreement,
                 credits=_sum("amount")),
        _grouped(entries, client_path="ticket__client_id", day_path="worked_on", by_agreement=by_agreement,
                 cost=_sum(COST), worked=Coalesce(Sum("minutes"), 0),
                 covered_worked=Coalesce(Sum("minutes", filter=Q(covered=True)), 0)),
    ]  # fmt: skip
    for query in queries:
        for row in query:
            key = (row.pop("client_key"), row.pop("agreement", None))
            found[key].update({_RENAMED.get(name, name): value for name, value in row.items()})
    return found


# --- Included hours ----------------------------------------------------------------------------------


def _month_shares(period: Period, first: date, last: date) -> Decimal:
    """Months' worth of days held in the period: for each month of the period, the days of [first, last]
    within both the month and the period, over the month's length."""
    share = Decimal("0")
    for month in period.months():
        month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        lo, hi = max(first, month, period.start), min(last, month_end, period.end)
        if lo <= hi:
            share += Decimal((hi - lo).days + 1) / Decimal(month_end.day)
    return share


def _included_hours(period: Period, *, by_agreement: bool, client_ids=None) -> dict[tuple, Decimal]:
    """{(client id, agreement id or None): hours}: the phases held in the period (two queries)."""
    phases = (
        SubscriptionPhase.objects.filter(starts_on__lte=period.end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=period.start))
        .select_related("plan", "subscription")
        .prefetch_related("riders__rider")
    )
    if client_ids is not None:
        phases = phases.filter(subscription__client_id__in=client_ids)
    hours: dict[tuple, Decimal] = defaultdict(Decimal)
    for phase in phases:
        subscription = phase.subscription
        ends = [day for day in (phase.ends_on, subscription.ends_on) if day is not None]
        last = min(ends) - timedelta(days=1) if ends else period.end
        per_period = (phase.plan.hours_included if phase.plan else Decimal("0")) + sum(
            (item.rider.hours_included for item in phase.riders.all()), Decimal("0")
        )
        if not per_period or last < phase.starts_on:
            continue
        per_month = per_period / 12 if phase.billing_cycle == "annual" else per_period
        key = (subscription.client_id, subscription.agreement_id if by_agreement else None)
        hours[key] += per_month * _month_shares(period, phase.starts_on, last)
    return {key: value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) for key, value in hours.items()}


# --- Reports -----------------------------------------------------------------------------------------


def _sorted(rows: list[ProfitRow], sort: str) -> list[ProfitRow]:
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name == "client":
        return sorted(rows, key=lambda r: r.client.lower(), reverse=descending)
    if name == "margin" and not descending:  # losses first: the worst margin on top
        return sorted(rows, key=lambda r: (r.margin, r.client.lower()))
    if name == "margin_percent":
        return sorted(rows, key=lambda r: (r.margin_percent is None, r.margin_percent or 0, r.client.lower()))
    return sorted(rows, key=lambda r: (-getattr(r, name), r.client.lower()))


def _rows(period: Period, *, by_agreement: bool, client_ids=None) -> list[ProfitRow]:
    figures = _figures(period, by_agreement=by_agreement, client_ids=client_ids)
    included = _included_hours(period, by_agreement=by_agreement, client_ids=client_ids)
    keys = set(figures) | set(included)
    wanted = {client for client, _ in keys}
    names = {c["pk"]: c for c in Client.objects.filter(pk__in=wanted).values("pk", "name", "archived_at")}
    labels = {}
    if by_agreement:
        agreements = Agreement.objects.filter(pk__in={a for _, a in keys if a}).select_related("version")
        labels = {a.pk: _agreement_label(a) for a in agreements}
    rows = []
    for client_id, agreement_id in keys:
        client = names.get(client_id)
        if client is None:
            continue
        row = ProfitRow(
            client_id, client["name"], agreement_id=agreement_id, archived=bool(client["archived_at"])
        )
        if by_agreement:
            row.agreement = labels.get(agreement_id, "No agreement in force")
        for name, value in figures.get((client_id, agreement_id), {}).items():
            setattr(row, name, value)
        row.included_hours = included.get((client_id, agreement_id), ZERO)
        rows.append(row)
    return rows


def _agreement_label(agreement: Agreement) -> str:
    if agreement.starts_on and agreement.ends_on:
        return f"{agreement.version.title} ({agreement.starts_on:%-d %b %Y} – {agreement.ends_on:%-d %b %Y})"
    if agreement.starts_on:
        return f"{agreement.version.title} (from {agreement.starts_on:%-d %b %Y})"
    return agreement.version.title


def _report(period: Period, rows: list[ProfitRow], *, sort: str, q: str) -> Report:
    totals = ProfitRow(0, "All clients")
    for row in rows:
        totals.add(row)
    if q:
        rows = [row for row in rows if q.lower() in row.client.lower()]
    return Report(period=period, rows=_sorted(rows, sort if sort in SORTS else DEFAULT_SORT), totals=totals)


def profitability_by_client(
    period: Period, *, sort: str = DEFAULT_SORT, q: str = "", client_ids=None
) -> Report:
    """Each client with revenue, cost or included hours in the period; losses first by default. The totals
    are every client's, whatever ``q`` keeps."""
    return _report(period, _rows(period, by_agreement=False, client_ids=client_ids), sort=sort, q=q)


def profitability_by_agreement(period: Period, *, sort: str = DEFAULT_SORT, q: str = "") -> Report:
    """The same figures split by the service contract in force on each amount's day."""
    return _report(period, _rows(period, by_agreement=True), sort=sort, q=q)


# --- Drill-down --------------------------------------------------------------------------------------


@dataclass
class ClientDetail:
    """What is behind one client's row: the documents behind revenue, the work behind cost."""

    row: ProfitRow
    invoices: list  # Invoice, annotated membership_amount / labour_amount
    credit_notes: list  # CreditNote, annotated counted (net of tax, as counted)
    credits: list  # CreditEntry grants counted
    tickets: list  # Ticket, annotated entry_minutes / entry_cost / covered_minutes
    entries: list  # TimeEntry with ticket and technician, annotated line_cost


def client_detail(client, period: Period) -> ClientDetail:
    """The client's row and, for the period, the invoices and credit notes behind its revenue, the account
    credit granted, the tickets and time entries behind its cost (oldest work first). The lists add up
    to the row's figures."""
    start, end = period.start, period.end
    report = profitability_by_client(period, client_ids=[client.pk])
    row = report.rows[0] if report.rows else ProfitRow(client.pk, client.name, archived=client.is_archived)
    invoices = (
        Invoice.objects.filter(client=client, issued_on__range=(start, end))
        .exclude(status__in=NOT_REVENUE)
        .annotate(
            membership_amount=_sum("lines__amount", lines__kind__in=MEMBERSHIP_KINDS),
            labour_amount=_sum("lines__amount", lines__kind__in=LABOUR_KINDS),
        )
        .order_by("issued_on", "sequence")
    )
    notes = (
        CreditNote.objects.filter(invoice__client=client, issued_on__range=(start, end))
        .exclude(invoice__status__in=NOT_REVENUE)
        .select_related("invoice")
        .annotate(
            counted=_sum("lines__amount", lines__invoice_line__kind__in=MEMBERSHIP_KINDS + LABOUR_KINDS)
        )
        .order_by("issued_on", "sequence")
    )
    grants = (
        CreditEntry.objects.filter(client=client, amount__gt=0, granted_on__range=(start, end))
        .exclude(source=CREDIT_REFUND_SOURCE)
        .order_by("granted_on", "id")
    )
    entries = (
        TimeEntry.objects.filter(ticket__client=client, worked_on__range=(start, end))
        .select_related("ticket", "technician")
        .annotate(line_cost=COST)
        .order_by("worked_on", "id")
    )
    tickets: dict[int, object] = {}
    for entry in entries:
        ticket = tickets.setdefault(entry.ticket_id, entry.ticket)
        ticket.entry_minutes = getattr(ticket, "entry_minutes", 0) + entry.minutes
        ticket.covered_minutes = getattr(ticket, "covered_minutes", 0) + (
            entry.minutes if entry.covered else 0
        )
        ticket.entry_cost = getattr(ticket, "entry_cost", ZERO) + entry.line_cost
    return ClientDetail(
        row=row, invoices=list(invoices), credit_notes=list(notes), credits=list(grants),
        tickets=sorted(tickets.values(), key=lambda t: -t.entry_cost), entries=list(entries),
    )  # fmt: skip
