"""Reads of invoices, credit notes and payments, for the staff pages, the portal and the API.

Dates are the tenant's (``tenant_today``). An invoice's period is ``[period_start, period_end)``, as
billing periods are (memberships/periods.py). "Open" means issued and not yet settled: issued, partly
paid or disputed; "overdue" means open with its due date passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from billing.issuing import CENT
from billing.models import (
    OPEN_DISPUTE_STATUSES,
    CreditEntry,
    CreditNote,
    CreditNoteLine,
    Dispute,
    DisputeMessage,
    DisputeStatus,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    InvoiceStatus,
    Payment,
)
from tenants.localtime import tenant_localtime, tenant_today

ZERO = Decimal("0.00")
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.DISPUTED)
# Pseudo statuses the list filters by, beside the model's own.
OPEN, OVERDUE = "open", "overdue"
FILTER_STATUSES = [(OPEN, "Open (not paid yet)"), (OVERDUE, "Overdue"), *InvoiceStatus.choices]
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _open(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return queryset.filter(status__in=OPEN_STATUSES)


def invoices(
    *,
    status: str = "",
    client=None,
    period_from: date | None = None,
    period_to: date | None = None,
    search: str = "",
    today: date | None = None,
) -> QuerySet[Invoice]:
    """Invoices, newest first, filtered: ``status`` (a model status, ``open`` or ``overdue``), ``client``
    (a Client or its id), a period overlapping ``period_from``..``period_to`` (both days included), and
    ``search`` over the number and the client's name."""
    rows = Invoice.objects.select_related("client")
    if status == OPEN:
        rows = _open(rows)
    elif status == OVERDUE:
        rows = _open(rows).filter(due_on__lt=today or tenant_today())
    elif status:
        rows = rows.filter(status=status)
    if client is not None:
        rows = rows.filter(client=client)
    if period_from is not None:
        rows = rows.filter(period_end__gt=period_from)
    if period_to is not None:
        rows = rows.filter(period_start__lte=period_to)
    if search := (search or "").strip():
        rows = rows.filter(Q(number__icontains=search) | Q(client__name__icontains=search))
    return rows.order_by("-issued_on", "-sequence", "-id")


@dataclass(frozen=True)
class InvoiceTotals:
    """What a list of invoices adds up to. Drafts and void invoices are counted but bill nothing."""

    count: int
    total: Decimal  # invoiced: issued invoices that are not void
    paid: Decimal
    credited: Decimal
    outstanding: Decimal  # still to be paid on open invoices
    overdue: Decimal  # of which past its due date


def invoice_totals(rows: QuerySet[Invoice], *, today: date | None = None) -> InvoiceTotals:
    today = today or tenant_today()
    balance = ExpressionWrapper(F("total") - F("amount_paid") - F("amount_credited"), output_field=_MONEY)
    billed = ~Q(status__in=[InvoiceStatus.DRAFT, InvoiceStatus.VOID])
    is_open = Q(status__in=OPEN_STATUSES)

    def total_of(expression, condition):
        return Coalesce(Sum(expression, filter=condition), Value(ZERO), output_field=_MONEY)

    # Aliases differ from the field names: Django refuses an aggregate named after a field it sums.
    sums = rows.order_by().aggregate(
        sum_total=total_of("total", billed),
        sum_paid=total_of("amount_paid", ~Q(status=InvoiceStatus.DRAFT)),
        sum_credited=total_of("amount_credited", ~Q(status=InvoiceStatus.DRAFT)),
        sum_outstanding=total_of(balance, is_open),
        sum_overdue=total_of(balance, is_open & Q(due_on__lt=today)),
    )
    return InvoiceTotals(count=rows.count(), **{name[4:]: value for name, value in sums.items()})


def overdue_invoices(*, today: date | None = None) -> QuerySet[Invoice]:
    """Open invoices past their due date, the longest overdue first."""
    return (
        _open(Invoice.objects.select_related("client"))
        .filter(due_on__lt=today or tenant_today())
        .order_by("due_on", "sequence")
    )


def client_invoices(client) -> QuerySet[Invoice]:
    """A client's issued invoices (drafts are the billing run's work in progress), newest first."""
    return (
        Invoice.objects.filter(client=client)
        .exclude(status=InvoiceStatus.DRAFT)
        .order_by("-issued_on", "-sequence", "-id")
    )


def client_invoice(client, pk: int) -> Invoice:
    """One of the client's issued invoices; raises Invoice.DoesNotExist for anything else (another
    client's, another tenant's, a draft)."""
    return client_invoices(client).select_related("client", "tenant").get(pk=pk)


def credited_by_line(invoice: Invoice) -> dict[int, Decimal]:
    """How much earlier credit notes took back from each line of ``invoice`` (by line id)."""
    rows = (
        CreditNoteLine.objects.filter(credit_note__invoice=invoice)
        .values("invoice_line_id")
        .annotate(credited=Sum("amount"))
        .order_by()
    )
    return {row["invoice_line_id"]: row["credited"] for row in rows}


def left_to_credit(invoice: Invoice) -> list[tuple[InvoiceLine, Decimal]]:
    """Each line of ``invoice`` with what is left of it to credit (zero once fully credited)."""
    credited = credited_by_line(invoice)
    return [(line, line.amount - credited.get(line.pk, ZERO)) for line in invoice.lines.all()]


def credit_balance(client) -> Decimal:
    """The client's account credit: grants less what invoices used."""
    total = CreditEntry.objects.filter(client=client).aggregate(total=Sum("amount"))["total"]
    return (total or ZERO).quantize(CENT)


# --- Where an invoice stands, in words ---------------------------------------------------------------

PAID, DUE, PARTLY_PAID, OVERDUE_STANDING, DISPUTED, VOID, DRAFT = (
    "paid",
    "due",
    "partly_paid",
    "overdue",
    "disputed",
    "void",
    "draft",
)
# What the client still has to pay, in the order a list shows it.
TO_PAY = (OVERDUE_STANDING, DUE, PARTLY_PAID, DISPUTED)
STANDING_LABELS = {
    PAID: "Paid",
    DUE: "Due",
    PARTLY_PAID: "Partly paid",
    OVERDUE_STANDING: "Overdue",
    DISPUTED: "Disputed",
    VOID: "Void",
    DRAFT: "Draft",
}


def standing(invoice: Invoice, today: date) -> str:
    """Where an invoice stands for the client: paid, due, partly paid, overdue, disputed, void or draft.
    Overdue wins over partly paid (something is still late); a disputed invoice is not chased."""
    if invoice.status == InvoiceStatus.DRAFT:
        return DRAFT
    if invoice.status == InvoiceStatus.VOID:
        return VOID
    if invoice.status == InvoiceStatus.PAID:
        return PAID
    if invoice.status == InvoiceStatus.DISPUTED:
        return DISPUTED
    if invoice.due_on is not None and invoice.due_on < today:
        return OVERDUE_STANDING
    return PARTLY_PAID if invoice.status == InvoiceStatus.PARTLY_PAID else DUE


def days_overdue(invoice: Invoice, today: date) -> int:
    if standing(invoice, today) != OVERDUE_STANDING:
        return 0
    return (today - invoice.due_on).days


def last_day(invoice_or_line) -> date | None:
    """The last day a period covers (periods end the day before ``period_end``)."""
    end = invoice_or_line.period_end
    return end - timedelta(days=1) if end else None


# --- One invoice ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineView:
    line: InvoiceLine
    credited: Decimal
    left: Decimal


@dataclass(frozen=True)
class InvoiceDetail:
    invoice: Invoice
    lines: list[LineView]
    payments: list[Payment]
    credit_notes: list[CreditNote]
    history: list[InvoiceEvent]
    client_credit: Decimal
    standing: str
    days_overdue: int
    taxable_subtotal: Decimal = field(default=ZERO)
    disputes: list[Dispute] = field(default_factory=list)  # oldest first, messages prefetched

    @property
    def open_dispute(self) -> Dispute | None:
        return next((dispute for dispute in self.disputes if dispute.is_open), None)

    @property
    def latest_dispute(self) -> Dispute | None:
        """The open dispute, else the one that ended last (what the invoice page shows)."""
        return self.open_dispute or (self.disputes[-1] if self.disputes else None)

    @property
    def can_dispute(self) -> bool:
        return self.open_dispute is None and self.invoice.status in (
            InvoiceStatus.ISSUED,
            InvoiceStatus.PARTLY_PAID,
            InvoiceStatus.PAID,
        )

    @property
    def can_credit(self) -> bool:
        return self.invoice.status in (*OPEN_STATUSES, InvoiceStatus.PAID) and (
            self.invoice.total - self.invoice.amount_credited > 0
        )

    @property
    def can_pay(self) -> bool:
        return self.invoice.status in OPEN_STATUSES and self.invoice.balance > 0


def credit_notes_with_lines() -> QuerySet[CreditNote]:
    return CreditNote.objects.select_related("invoice__client").prefetch_related(
        Prefetch("lines", queryset=CreditNoteLine.objects.select_related("invoice_line"))
    )


def invoice_detail(invoice: Invoice, *, today: date | None = None) -> InvoiceDetail:
    """Everything an invoice page shows: its lines with what was credited of each, payments, credit
    notes, history, and the client's account credit."""
    today = today or tenant_today()
    lines = [LineView(line, line.amount - left, left) for line, left in left_to_credit(invoice)]
    return InvoiceDetail(
        invoice=invoice,
        lines=lines,
        payments=list(invoice.payments.select_related("recorded_by").order_by("paid_on", "id")),
        credit_notes=list(
            credit_notes_with_lines().filter(invoice=invoice).order_by("issued_on", "sequence")
        ),
        history=list(invoice.history.order_by("at", "id")),
        client_credit=credit_balance(invoice.client),
        standing=standing(invoice, today),
        days_overdue=days_overdue(invoice, today),
        taxable_subtotal=sum((view.line.amount for view in lines if view.line.taxable), ZERO),
        disputes=list(disputes_with_threads().filter(invoice=invoice).order_by("opened_at", "id")),
    )


def credit_notes(*, client=None, search: str = "") -> QuerySet[CreditNote]:
    """Credit notes, newest first: of one client, or whose number (or its invoice's) matches."""
    rows = CreditNote.objects.select_related("invoice__client")
    if client is not None:
        rows = rows.filter(invoice__client=client)
    if search := (search or "").strip():
        rows = rows.filter(
            Q(number__icontains=search)
            | Q(invoice__number__icontains=search)
            | Q(invoice__client__name__icontains=search)
        )
    return rows.order_by("-issued_on", "-sequence")


# --- Disputes ---------------------------------------------------------------------------------------

# The queue's filters: the open ones (staff's turn or the client's), staff's turn, the client's, closed, all.
ACTIVE, NEEDS_ANSWER, AWAITING, CLOSED, ALL = "", "open", "awaiting_client", "resolved", "all"
DISPUTE_FILTERS = [
    (ACTIVE, "Open (ours or the client's turn)"),
    (NEEDS_ANSWER, "Waiting for us"),
    (AWAITING, "Awaiting the client"),
    (CLOSED, "Resolved or withdrawn"),
    (ALL, "All"),
]


def open_disputes() -> QuerySet[Dispute]:
    """Disputes not ended yet (open, or awaiting the client's answer), the oldest first."""
    return (
        Dispute.objects.filter(status__in=OPEN_DISPUTE_STATUSES)
        .select_related("invoice__client", "line")
        .order_by("opened_at", "id")
    )


@dataclass(frozen=True)
class DisputesGlance:
    open: int  # not ended: waiting for us or for the client
    waiting_for_us: int


def disputes_glance() -> DisputesGlance:
    """How many disputes are not ended, and how many wait for our answer (the home page). One query."""
    counts = Dispute.objects.filter(status__in=OPEN_DISPUTE_STATUSES).aggregate(
        open=Count("id"), waiting_for_us=Count("id", filter=Q(status=DisputeStatus.OPEN))
    )
    return DisputesGlance(**counts)


def disputes_with_threads() -> QuerySet[Dispute]:
    return Dispute.objects.select_related(
        "invoice__client", "invoice__tenant", "line", "credit_note"
    ).prefetch_related(Prefetch("messages", queryset=DisputeMessage.objects.order_by("at", "id")))


def disputes(*, status: str = ACTIVE, search: str = "", client=None, invoice=None) -> QuerySet[Dispute]:
    """The disputes queue: ``status`` one of ``DISPUTE_FILTERS``' keys (or a model status), ``search`` over
    the client's name and the invoice number. Open ones first, the oldest first (the longest waiting on
    top); then ended ones, the latest ended first. Each row has ``last_message`` (its text) and
    ``last_party`` (who wrote it)."""
    rows = Dispute.objects.select_related("invoice__client", "line")
    if status == ACTIVE:
        rows = rows.filter(status__in=OPEN_DISPUTE_STATUSES)
    elif status == CLOSED:
        rows = rows.exclude(status__in=OPEN_DISPUTE_STATUSES)
    elif status in DisputeStatus.values:
        rows = rows.filter(status=status)
    if client is not None:
        rows = rows.filter(invoice__client=client)
    if invoice is not None:
        rows = rows.filter(invoice=invoice)
    if search := (search or "").strip():
        rows = rows.filter(Q(invoice__number__icontains=search) | Q(invoice__client__name__icontains=search))
    last = DisputeMessage.objects.filter(dispute=OuterRef("pk")).order_by("-at", "-id")
    return rows.annotate(
        last_message=Subquery(last.values("body")[:1]),
        last_party=Subquery(last.values("party")[:1]),
        ended=Case(
            When(status__in=OPEN_DISPUTE_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    ).order_by(
        "ended", Case(When(ended=0, then=F("opened_at"))), F("resolved_at").desc(nulls_last=True), "id"
    )


def dispute_age_days(dispute: Dispute, *, today: date | None = None) -> int:
    """How many days a dispute has been open, in the tenant's days: until today while it is open, until
    the day it ended otherwise."""
    opened = tenant_localtime(dispute.opened_at).date()
    if dispute.resolved_at is None:
        return max(((today or tenant_today()) - opened).days, 0)
    return max((tenant_localtime(dispute.resolved_at).date() - opened).days, 0)


@dataclass(frozen=True)
class DisputeRateMonth:
    month: date  # its first day
    invoices: int  # issued that month
    disputed: int  # of which were disputed (at any time since)
    billed: Decimal  # the totals of the invoices issued that month
    amount_disputed: Decimal  # what their disputes put at stake (at most each invoice's total)

    @property
    def invoice_percent(self) -> Decimal | None:
        return _percent(self.disputed, self.invoices)

    @property
    def amount_percent(self) -> Decimal | None:
        return _percent(self.amount_disputed, self.billed)


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _first_days(today: date, months: int) -> list[date]:
    index = today.year * 12 + today.month - 1
    return [date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(months - 1, -1, -1)]


def dispute_rate(*, months: int = 12, today: date | None = None) -> list[DisputeRateMonth]:
    """The dispute rate of the last ``months`` months (this one included, oldest first), by the month the
    invoices were issued in (the tenant's dates): how many issued invoices were disputed, and how much of
    what they billed was disputed. Every dispute counts, however it ended (a withdrawn one too): the rate
    measures how often clients contest, not who was right. A recent month's rate can still rise, as its
    invoices may yet be disputed."""
    today = today or tenant_today()
    firsts = _first_days(today, months)
    issued = Invoice.objects.exclude(status=InvoiceStatus.DRAFT).filter(
        issued_on__gte=firsts[0], issued_on__lte=today
    )
    by_month = {
        row["month"]: row
        for row in issued.annotate(month=TruncMonth("issued_on"))
        .values("month")
        .annotate(invoices=Count("id"), billed=Sum("total"))
        .order_by()
    }
    stakes: dict[int, tuple[date, Decimal]] = {}
    for row in (
        Dispute.objects.filter(invoice__in=issued)
        .values("invoice_id", "invoice__issued_on", "invoice__total")
        .annotate(at_stake=Sum("amount_at_stake"))
        .order_by()
    ):
        month = row["invoice__issued_on"].replace(day=1)
        stakes[row["invoice_id"]] = (month, min(row["at_stake"], row["invoice__total"]))
    result = []
    for first in firsts:
        row = by_month.get(first, {})
        mine = [stake for month, stake in stakes.values() if month == first]
        result.append(
            DisputeRateMonth(
                month=first,
                invoices=row.get("invoices", 0),
                disputed=len(mine),
                billed=(row.get("billed") or ZERO).quantize(CENT),
                amount_disputed=sum(mine, ZERO).quantize(CENT),
            )
        )
    return result


# --- The accounting export --------------------------------------------------------------------------


def invoices_issued_between(start: date, end: date) -> QuerySet[Invoice]:
    """Invoices issued from ``start`` to ``end`` (both days included), voided ones too (they keep their
    number, and the credit note that voided them is exported with the credit notes), with their lines,
    in number order. Drafts have no number and are not in the books yet."""
    return (
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .filter(issued_on__gte=start, issued_on__lte=end)
        .select_related("client")
        .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id")))
        .order_by("sequence")
    )


def credit_notes_issued_between(start: date, end: date) -> QuerySet[CreditNote]:
    """Credit notes issued from ``start`` to ``end`` (both included) with their lines and the invoice
    line each reverses, in number order."""
    lines = CreditNoteLine.objects.select_related("invoice_line").order_by("id")
    return (
        CreditNote.objects.filter(issued_on__gte=start, issued_on__lte=end)
        .select_related("invoice__client")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("sequence")
    )


def payments_received_between(start: date, end: date) -> QuerySet[Payment]:
    """Payments received from ``start`` to ``end`` (both included), oldest first."""
    return (
        Payment.objects.filter(paid_on__gte=start, paid_on__lte=end)
        .select_related("invoice__client")
        .order_by("paid_on", "id")
    )


@dataclass(frozen=True)
class ExportCounts:
    invoices: int
    invoiced: Decimal
    credit_notes: int
    credited: Decimal
    payments: int
    received: Decimal


def export_counts(start: date, end: date) -> ExportCounts:
    """How many documents of each kind the export of ``start``..``end`` holds, and what they add up to:
    three aggregate queries, whatever the period."""

    def count_and_sum(rows, field):
        return rows.order_by().aggregate(
            n=Count("id"), amount=Coalesce(Sum(field), Value(ZERO), output_field=_MONEY)
        )

    invoiced = count_and_sum(invoices_issued_between(start, end), "total")
    credited = count_and_sum(CreditNote.objects.filter(issued_on__gte=start, issued_on__lte=end), "total")
    received = count_and_sum(Payment.objects.filter(paid_on__gte=start, paid_on__lte=end), "amount")
    return ExportCounts(
        invoices=invoiced["n"],
        invoiced=invoiced["amount"],
        credit_notes=credited["n"],
        credited=credited["amount"],
        payments=received["n"],
        received=received["amount"],
    )
