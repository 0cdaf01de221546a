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
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import DecimalField, F, Max, Q, Sum, Value
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
    (
        "Revenue",
        "Membership (plan, rider and proration lines) plus labour (labour and adjustment lines) of "
        "invoices issued in the period, net of tax, minus credit notes issued in the period (net of "
        "tax) and account credit granted in the period by rewards or staff. Drafts and void invoices "
        "never count; using account credit to pay is not revenue lost twice.",
    ),
    (
        "Labour cost",
        "Every time entry worked in the period, covered or billable, at its technician's cost "
        "rate in force on the day of the work (set on the team page).",
    ),
    ("Margin", "Revenue minus labour cost; margin % is margin ÷ revenue."),
    ("Effective hourly rate", "Revenue ÷ hours worked: what an hour of work for the client brought in."),
    (
        "Included hours",
        "The plan's included labour hours per month (an annual plan's ÷ 12), each month "
        "counted by the share of its days the client held the plan; beside it the hours of "
        "covered work.",
    ),
]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


SUMMED = (
    "membership",
    "labour",
    "credit_notes",
    "credits",
    "cost",
    "minutes",
    "covered_minutes",
    "included_hours",
)


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

    @classmethod
    def total(cls, rows: list[ProfitRow], client: str) -> ProfitRow:
        """A row of the sums of ``rows`` (one pass per figure)."""
        total = cls(0, client)
        for name in SUMMED:
            setattr(total, name, sum((getattr(row, name) for row in rows), getattr(total, name)))
        return total


@dataclass
class Report:
    period: Period
    rows: list[ProfitRow]
    totals: ProfitRow = field(default_factory=lambda: ProfitRow(0, "All clients"))

    @cached_property
    def losses(self) -> list[ProfitRow]:
        return [row for row in self.rows if row.is_loss]


# --- Sums in SQL -------------------------------------------------------------------------------------

_MONEY = DecimalField(max_digits=14, decimal_places=2)
_HOURS = DecimalField(max_digits=8, decimal_places=2)


def _sum(expression, **filters):
    return Coalesce(
        Sum(expression, filter=Q(**filters) if filters else None), Value(ZERO), output_field=_MONEY
    )


_RENAMED = {"worked": "minutes", "covered_worked": "covered_minutes"}  # a name may not shadow a field


def _grouped(queryset, *, client_path: str, day_path: str, by_agreement: bool, **sums):
    """(the sums' names, rows of (client id, [day,] *sums)): per client, or per client and the day that
    picks the agreement (``_per_agreement``)."""
    keys = {"client_key": F(client_path)} | ({"day_key": F(day_path)} if by_agreement else {})
    return list(sums), queryset.order_by().values(**keys).annotate(**sums).values_list(*keys, *sums)


def _per_agreement(names: list[str], rows, client_ids=None) -> list[tuple]:
    """Rows of (client id, agreement id or None, *sums): the sums per client and day of ``rows``
    (``_grouped``) added up per the client's service contract in force on each day: the newest one whose
    term holds the day (as contracts.selectors.current_service_agreement; an expired one for its term),
    else none.

    In SQL, around the two ORM queries (which carry the tenant filter; RLS applies too): each client's
    days are joined to its few contracts and the newest kept (DISTINCT ON), once per client and day. A
    subquery per invoice line or time entry took most of the report's time at a thousand clients, and
    sending every client's days to Python not much less."""
    agreements = Agreement.objects.filter(
        parent__isnull=True,
        status__in=COUNTED_AGREEMENTS,
        version__template__kind=TemplateKind.SERVICE_CONTRACT,
    )
    if client_ids is not None:
        agreements = agreements.filter(client_id__in=client_ids)
    terms = agreements.order_by().values("id", "client_id", "starts_on", "ends_on")
    try:
        days_sql, days_params = rows.query.sql_with_params()
        terms_sql, terms_params = terms.query.sql_with_params()
    except EmptyResultSet:  # no client to look at
        return []
    sums = ", ".join(f'SUM(d."{name}")' for name in names)
    # The ORM's SQL and our own aliases; every value is a parameter.
    sql = f"""
        WITH days AS ({days_sql}), terms AS ({terms_sql})
        SELECT d.client_key, d.agreement, {sums}
        FROM (
            SELECT DISTINCT ON (days.client_key, days.day_key) days.*, terms.id AS agreement
            FROM days LEFT JOIN terms ON terms.client_id = days.client_key AND terms.starts_on <= days.day_key
                AND (terms.ends_on IS NULL OR terms.ends_on >= days.day_key)
            ORDER BY days.client_key, days.day_key, terms.starts_on DESC, terms.id DESC
        ) d
        GROUP BY d.client_key, d.agreement
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*days_params, *terms_params])
        return cursor.fetchall()


def _figures(period: Period, *, by_agreement: bool, client_ids=None) -> dict[tuple, dict]:
    """{(client id, agreement id or None): {figure: amount}}: four grouped queries (and the agreements)."""
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
        entries = entries.filter(client_id__in=client_ids)
    found: dict[tuple, dict] = defaultdict(dict)
    queries = [
        _grouped(
            lines,
            client_path="invoice__client_id",
            day_path="invoice__period_start",
            by_agreement=by_agreement,
            membership=_sum("amount", kind__in=MEMBERSHIP_KINDS),
            labour=_sum("amount", kind__in=LABOUR_KINDS),
        ),
        _grouped(
            notes,
            client_path="credit_note__invoice__client_id",
            day_path="credit_note__invoice__period_start",
            by_agreement=by_agreement,
            credit_notes=_sum("amount"),
        ),
        _grouped(
            grants,
            client_path="client_id",
            day_path="granted_on",
            by_agreement=by_agreement,
            credits=_sum("amount"),
        ),
        _grouped(
            entries,
            client_path="client_id",  # the ticket's, kept on the entry (TimeEntry.client)
            day_path="worked_on",
            by_agreement=by_agreement,
            cost=_sum(COST),
            worked=Coalesce(Sum("minutes"), 0),
            covered_worked=Coalesce(Sum("minutes", filter=Q(covered=True)), 0),
        ),
    ]
    for names, rows in queries:
        figures = [_RENAMED.get(name, name) for name in names]
        if by_agreement:
            rows = _per_agreement(names, rows, client_ids)
        else:
            rows = ((client_id, None, *values) for client_id, *values in rows)
        for client_id, agreement_id, *values in rows:
            found[client_id, agreement_id].update(zip(figures, values, strict=True))
    return found


# --- Included hours ----------------------------------------------------------------------------------


def _months_of(period: Period) -> list[tuple[date, date, Decimal]]:
    """Each month of the period, cut to the period: (first day, last day, the whole month's length)."""
    months = []
    for month in period.months():
        month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        months.append((max(month, period.start), min(month_end, period.end), Decimal(month_end.day)))
    return months


def _month_shares(months: list[tuple[date, date, Decimal]], first: date, last: date) -> Decimal:
    """Months' worth of days held in the period: for each month of the period (``_months_of``), the days
    of [first, last] within both the month and the period, over the month's length."""
    share = Decimal("0")
    for start, end, length in months:
        lo, hi = max(first, start), min(last, end)
        if lo <= hi:
            share += Decimal((hi - lo).days + 1) / length
    return share


def _included_hours(period: Period, *, by_agreement: bool, client_ids=None) -> dict[tuple, Decimal]:
    """{(client id, agreement id or None): hours}: the phases held in the period that include hours, as
    plain values in one query (the riders' hours summed in SQL: no model instances, no prefetch)."""
    phases = SubscriptionPhase.objects.filter(starts_on__lte=period.end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=period.start)
    )
    if client_ids is not None:
        phases = phases.filter(subscription__client_id__in=client_ids)
    phases = (
        phases.order_by()
        .values_list(
            "pk",
            "subscription__client_id",
            "subscription__agreement_id",
            "starts_on",
            "ends_on",
            "subscription__ends_on",
            "billing_cycle",
        )
        .annotate(
            per_period=Coalesce(Max("plan__hours_included"), Value(Decimal("0")), output_field=_HOURS)
            + Coalesce(Sum("riders__rider__hours_included"), Value(Decimal("0")), output_field=_HOURS)
        )
        .filter(per_period__gt=0)
    )
    months = _months_of(period)
    hours: dict[tuple, Decimal] = defaultdict(Decimal)
    for _, client_id, agreement_id, starts_on, phase_ends, subscription_ends, cycle, per_period in phases:
        ends = [day for day in (phase_ends, subscription_ends) if day is not None]
        last = min(ends) - timedelta(days=1) if ends else period.end
        if last < starts_on:
            continue
        per_month = per_period / 12 if cycle == "annual" else per_period
        key = (client_id, agreement_id if by_agreement else None)
        hours[key] += per_month * _month_shares(months, starts_on, last)
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
    clients = Client.objects.order_by()
    if client_ids is not None:
        clients = clients.filter(pk__in=client_ids)
    # Every client of the tenant rather than a list of a thousand ids: the same rows, a simpler query.
    names = {
        pk: (name, archived_at) for pk, name, archived_at in clients.values_list("pk", "name", "archived_at")
    }
    labels = {}
    if by_agreement:
        agreements = Agreement.objects.filter(pk__in={a for _, a in keys if a}).order_by()
        labels = {
            pk: _agreement_label(title, starts_on, ends_on)
            for pk, title, starts_on, ends_on in agreements.values_list(
                "pk", "version__title", "starts_on", "ends_on"
            )
        }
    rows = []
    for client_id, agreement_id in keys:
        if client_id not in names:
            continue
        name, archived_at = names[client_id]
        row = ProfitRow(client_id, name, agreement_id=agreement_id, archived=archived_at is not None)
        if by_agreement:
            row.agreement = labels.get(agreement_id, "No agreement in force")
        for figure, value in figures.get((client_id, agreement_id), {}).items():
            setattr(row, figure, value)
        row.included_hours = included.get((client_id, agreement_id), ZERO)
        rows.append(row)
    return rows


def _agreement_label(title: str, starts_on: date | None, ends_on: date | None) -> str:
    if starts_on and ends_on:
        return f"{title} ({starts_on:%-d %b %Y} – {ends_on:%-d %b %Y})"
    if starts_on:
        return f"{title} (from {starts_on:%-d %b %Y})"
    return title


def _report(period: Period, rows: list[ProfitRow], *, sort: str, q: str) -> Report:
    totals = ProfitRow.total(rows, "All clients")
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
        TimeEntry.objects.filter(client=client, worked_on__range=(start, end))
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
        row=row,
        invoices=list(invoices),
        credit_notes=list(notes),
        credits=list(grants),
        tickets=sorted(tickets.values(), key=lambda t: -t.entry_cost),
        entries=list(entries),
    )
