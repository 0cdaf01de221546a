"""What one client is due in a billing run, line by line (pure: no database).

``billing.runs`` loads a ``ClientLedger`` per client (its memberships with their phases, what is already
invoiced, its unbilled work and proration charges, its account credit) and calls ``invoices_due``; the
same function serves the dry run and the real one, so the preview is what gets issued. The rules:

- Membership periods are billed in advance, one invoice per (subscription, period start). A period is
  due when it starts on or before the client's run day and before the membership's end day. Its
  cycle is the one of the phase in force on its first day; its lines are that phase's tier (``plan``)
  and riders (``rider``) at their agreed prices. A span that starts after its period does (the first
  period of a membership that started mid-period, or the first period after a monthly-to-annual switch
  whose anchor month differs) is ``billing.proration.prorate``-d from its start to the period end.
- Unbilled items (billable time entries and proration charges) go on the first of the client's
  invoices in the run dated after the item, an invoice's date being the day it covers from: a
  membership invoice's period start, a labour invoice's period end. Items left over after the
  membership invoices that are dated before the run day's month go on one ``labour`` invoice for the
  month before (period [previous 1st, this 1st)), once per client and month; later items wait.
- A time entry bills rate x after-hours multiplier x hours x (1 - discount), rounded half-up to the cent
  once. The discount is the labour discount of the tier the client held on the day of the work PLUS every
  ``ClientLabourDiscount`` for the entry's type of work in force that day (e.g. best practices Gold, 15%
  off project labour): percentages are added, not compounded, and capped at 100. The line's detail names
  each ("Gold −10% · Best practices Gold −15%").
- Account credit is spent invoice by invoice, up to each invoice's subtotal, so none goes negative.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from billing.issuing import cents, totals
from billing.models import InvoiceKind, LineKind
from billing.proration import prorate
from contracts.documents import money, plain_number
from memberships.models import BillingCycle
from memberships.periods import Period, period_containing
from service_levels.durations import minutes_words

ZERO = Decimal("0.00")
TEXT_MAX = 400  # InvoiceLine.description and .detail


# --- What the run knows about a client ------------------------------------------------------------------


@dataclass(frozen=True)
class PlanItem:
    """A tier or a rider, as an invoice names it."""

    id: int
    name: str
    labour_discount_percent: Decimal = ZERO


@dataclass(frozen=True)
class PhaseTerms:
    """A subscription phase: what the client held from ``starts_on`` until ``ends_on`` (exclusive)."""

    starts_on: date
    ends_on: date | None
    cycle: str
    tier: PlanItem | None
    tier_price: Decimal
    riders: tuple[tuple[PlanItem, Decimal], ...] = ()

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


@dataclass(frozen=True)
class SubscriptionTerms:
    id: int
    started_on: date
    ends_on: date | None
    anchor_day: int
    anchor_month: int
    phases: tuple[PhaseTerms, ...]

    def in_force_on(self, day: date) -> bool:
        return self.started_on <= day and (self.ends_on is None or day < self.ends_on)

    def phase_on(self, day: date) -> PhaseTerms | None:
        if not self.in_force_on(day):
            return None
        return next((phase for phase in self.phases if phase.covers(day)), None)


@dataclass(frozen=True)
class WorkEntry:
    """A billable time entry not invoiced yet."""

    id: int
    worked_on: date
    minutes: int
    bill_rate: Decimal
    rate_multiplier: Decimal
    location: str  # as a line says it: "remote", "on-site"
    ticket_number: int
    ticket_title: str
    technician: str
    coverage_reason: str
    work_type: str = ""


@dataclass(frozen=True)
class LabourDiscount:
    """A percentage off one type of the client's work over ``[starts_on, ends_on)`` (open when None)."""

    work_type: str
    percent: Decimal
    starts_on: date
    ends_on: date | None
    reason: str  # as the line names it: "Best practices Gold"

    def applies_to(self, entry: WorkEntry) -> bool:
        return (
            entry.work_type == self.work_type
            and self.starts_on <= entry.worked_on
            and (self.ends_on is None or entry.worked_on < self.ends_on)
        )


@dataclass(frozen=True)
class Charge:
    """A proration charge (or credit, when negative) not invoiced yet."""

    id: int
    on: date
    description: str
    amount: Decimal
    subscription_id: int
    plan_id: int
    period_start: date
    period_end: date


@dataclass(frozen=True)
class ClientLedger:
    """Everything a run needs to know about one client, read under the client's lock."""

    client_id: int
    day: date  # the run day, in the client's time zone
    currency: str
    tax_rate_percent: Decimal
    subscriptions: tuple[SubscriptionTerms, ...] = ()
    invoiced_periods: frozenset[tuple[int, date]] = frozenset()  # (subscription id, period start)
    invoiced_labour_months: frozenset[date] = frozenset()  # labour invoices' period starts
    entries: tuple[WorkEntry, ...] = ()
    charges: tuple[Charge, ...] = ()
    credit_balance: Decimal = ZERO
    labour_discounts: tuple[LabourDiscount, ...] = ()


# --- What the run issues --------------------------------------------------------------------------------


@dataclass
class DraftLine:
    kind: str
    description: str
    amount: Decimal
    detail: str = ""
    quantity: Decimal = Decimal("1")
    unit_price: Decimal | None = None  # the amount, for a line of quantity 1
    taxable: bool = True
    period_start: date | None = None
    period_end: date | None = None
    subscription_id: int | None = None
    plan_id: int | None = None
    time_entry_id: int | None = None
    charge_id: int | None = None

    def __post_init__(self):
        self.description = clip(self.description)
        self.detail = clip(self.detail)
        if self.unit_price is None:
            self.unit_price = self.amount


@dataclass
class DraftInvoice:
    client_id: int
    kind: str
    period_start: date
    period_end: date
    issued_on: date
    currency: str
    tax_rate_percent: Decimal
    subscription_id: int | None = None
    lines: list[DraftLine] = field(default_factory=list)

    @property
    def dated(self) -> date:
        """The day the invoice covers from: items worked or charged before it go on it."""
        return self.period_start if self.kind == InvoiceKind.SUBSCRIPTION else self.period_end

    @property
    def credit_used(self) -> Decimal:
        return -sum((line.amount for line in self.lines if line.kind == LineKind.CREDIT), ZERO)

    @property
    def subtotal(self) -> Decimal:
        return totals(self.lines, self.tax_rate_percent)[0]

    @property
    def tax(self) -> Decimal:
        return totals(self.lines, self.tax_rate_percent)[1]

    @property
    def total(self) -> Decimal:
        return totals(self.lines, self.tax_rate_percent)[2]


# --- The rules ------------------------------------------------------------------------------------------


def clip(text: str, limit: int = TEXT_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@lru_cache(maxsize=4096)  # a run formats the same few hundred days tens of thousands of times
def day_text(day: date) -> str:
    """1 Dec 2026"""
    return f"{day.day} {day:%b %Y}"


def span_text(start: date, end: date) -> str:
    """The days of [start, end) as people read them: "1 Dec 2026 – 31 Dec 2026"."""
    return f"{day_text(start)} – {day_text(end - timedelta(days=1))}"


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month_start(day: date) -> date:
    return (month_start(day) - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class BilledSpan:
    """A span of a membership billed on one invoice: ``[start, end)`` of ``period``, held under ``phase``
    (``end`` is the period's end unless the membership ends before it)."""

    start: date
    period: Period
    phase: PhaseTerms
    end: date

    @property
    def partial(self) -> bool:
        return self.start > self.period.start or self.end < self.period.end


def billed_spans(subscription: SubscriptionTerms, *, through: date) -> Iterator[BilledSpan]:
    """Every billing span of the membership that starts on or before ``through`` (and before its end),
    oldest first. Each starts where the previous ended; its period follows the cycle of the phase in force
    on its first day."""
    start = subscription.started_on
    while start <= through and (subscription.ends_on is None or start < subscription.ends_on):
        phase = subscription.phase_on(start)
        if phase is None:
            raise ValueError(f"Membership #{subscription.id} has no phase in force on {day_text(start)}.")
        period = period_containing(
            start,
            cycle=phase.cycle,
            anchor_day=subscription.anchor_day,
            anchor_month=subscription.anchor_month,
        )
        end = min(period.end, subscription.ends_on) if subscription.ends_on else period.end
        yield BilledSpan(start, period, phase, end)
        start = period.end


def membership_lines(subscription: SubscriptionTerms, span: BilledSpan) -> list[DraftLine]:
    """The tier and each rider of the phase in force on the span's first day, at their agreed prices."""
    cycle = BillingCycle(span.phase.cycle).label
    detail = f"{cycle}, billed in advance"
    if span.partial:
        detail += f"; prorated for {(span.end - span.start).days} of {span.period.days} days"
    items = [(span.phase.tier, span.phase.tier_price, LineKind.PLAN, "membership")] if span.phase.tier else []
    items += [(rider, price, LineKind.RIDER, "rider") for rider, price in span.phase.riders]
    lines = []
    for plan, price, kind, noun in items:
        amount = price
        if span.partial:  # the days [start, end): what is left from the start less what is left from the end
            left_at_start = prorate(price, span.period.start, span.period.end, span.start)
            amount = left_at_start - prorate(price, span.period.start, span.period.end, span.end)
        lines.append(
            DraftLine(
                kind=kind,
                description=f"{plan.name} {noun}, {span_text(span.start, span.end)}",
                detail=detail,
                amount=cents(amount),
                period_start=span.start,
                period_end=span.end,
                subscription_id=subscription.id,
                plan_id=plan.id,
            )
        )
    return lines


def tier_on(subscriptions, day: date) -> PlanItem | None:
    """The tier the client held on ``day`` (the latest-started membership in force that day)."""
    for subscription in _latest_first(subscriptions):
        phase = subscription.phase_on(day)
        if phase is not None:
            return phase.tier
    return None


def _latest_first(subscriptions) -> list[SubscriptionTerms]:
    return sorted(subscriptions, key=lambda s: (s.started_on, s.id), reverse=True)


def labour_amount(*, bill_rate: Decimal, rate_multiplier: Decimal, minutes: int, discount_percent: Decimal):
    """rate x multiplier x hours x (1 - discount), exact until one half-up rounding to the cent."""
    exact = bill_rate * rate_multiplier * minutes / 60 * (100 - discount_percent) / 100
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def labour_line(
    entry: WorkEntry, *, tier: PlanItem | None, currency: str, discounts: tuple[LabourDiscount, ...] = ()
) -> DraftLine:
    named = [(tier.name, tier.labour_discount_percent)] if tier and tier.labour_discount_percent else []
    named += [(each.reason, each.percent) for each in discounts if each.applies_to(entry)]
    discount = min(sum((percent for _, percent in named), ZERO), Decimal("100"))
    amount = labour_amount(
        bill_rate=entry.bill_rate,
        rate_multiplier=entry.rate_multiplier,
        minutes=entry.minutes,
        discount_percent=discount,
    )
    why = [entry.coverage_reason, f"{money(entry.bill_rate, currency)}/h"]
    if entry.rate_multiplier != 1:
        why.append(f"after hours ×{plain_number(entry.rate_multiplier)}")
    why += [f"{name} −{plain_number(percent)}%" for name, percent in named]
    return DraftLine(
        kind=LineKind.LABOUR,
        description=(
            f"Ticket #{entry.ticket_number} “{entry.ticket_title}” — {minutes_words(entry.minutes)} "
            f"{entry.location}, {entry.technician}, {day_text(entry.worked_on)}"
        ),
        detail=" · ".join(part for part in why if part),
        quantity=(Decimal(entry.minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        unit_price=cents(entry.bill_rate * entry.rate_multiplier * (100 - discount) / 100),
        amount=amount,
        period_start=entry.worked_on,
        period_end=entry.worked_on + timedelta(days=1),
        time_entry_id=entry.id,
    )


def charge_line(charge: Charge) -> DraftLine:
    return DraftLine(
        kind=LineKind.PRORATION,
        description=charge.description,
        amount=charge.amount,
        detail=f"Membership change of {day_text(charge.on)}",
        period_start=charge.period_start,
        period_end=charge.period_end,
        subscription_id=charge.subscription_id,
        plan_id=charge.plan_id,
        charge_id=charge.id,
    )


def credit_line(amount: Decimal, *, balance: Decimal, currency: str) -> DraftLine:
    return DraftLine(
        kind=LineKind.CREDIT,
        description="Account credit",
        detail=f"{money(amount, currency)} of a {money(balance, currency)} balance",
        amount=-amount,
    )


def invoices_due(ledger: ClientLedger) -> list[DraftInvoice]:
    """The invoices the client is due on ``ledger.day``, in the order they are numbered (empty when
    nothing is due). Deterministic: the same ledger always gives the same invoices."""
    day = ledger.day
    invoices = []
    for subscription in sorted(ledger.subscriptions, key=lambda s: (s.started_on, s.id)):
        for span in billed_spans(subscription, through=day):
            if (subscription.id, span.start) in ledger.invoiced_periods:
                continue
            invoice = DraftInvoice(
                client_id=ledger.client_id,
                kind=InvoiceKind.SUBSCRIPTION,
                subscription_id=subscription.id,
                period_start=span.start,
                period_end=span.end,
                issued_on=day,
                currency=ledger.currency,
                tax_rate_percent=ledger.tax_rate_percent,
                lines=membership_lines(subscription, span),
            )
            if invoice.lines:
                invoices.append(invoice)
    invoices.sort(key=lambda invoice: (invoice.period_start, invoice.subscription_id))

    charges = sorted(ledger.charges, key=lambda charge: (charge.on, charge.id))
    entries = sorted(ledger.entries, key=lambda entry: (entry.worked_on, entry.id))
    latest_first = _latest_first(ledger.subscriptions)
    items = [(charge.on, charge_line(charge)) for charge in charges] + [
        (
            entry.worked_on,
            labour_line(
                entry,
                tier=tier_on(latest_first, entry.worked_on),
                currency=ledger.currency,
                discounts=ledger.labour_discounts,
            ),
        )
        for entry in entries
    ]
    left = []
    for dated, line in items:
        home = next((invoice for invoice in invoices if invoice.dated > dated), None)
        if home is not None:
            home.lines.append(line)
        else:
            left.append((dated, line))
    this_month, labour_month = month_start(day), previous_month_start(day)
    leftover = [line for dated, line in left if dated < this_month]
    if leftover and labour_month not in ledger.invoiced_labour_months:
        invoices.append(
            DraftInvoice(
                client_id=ledger.client_id,
                kind=InvoiceKind.LABOUR,
                period_start=labour_month,
                period_end=this_month,
                issued_on=day,
                currency=ledger.currency,
                tax_rate_percent=ledger.tax_rate_percent,
                lines=leftover,
            )
        )

    balance = ledger.credit_balance
    for invoice in invoices:
        invoice.lines.sort(key=_line_order)
        before_credit = sum((line.amount for line in invoice.lines), ZERO)
        use = min(balance, before_credit)
        if use > 0:
            invoice.lines.append(credit_line(use, balance=balance, currency=ledger.currency))
            balance -= use
    return invoices


_KIND_ORDER = {LineKind.PLAN: 0, LineKind.RIDER: 1, LineKind.PRORATION: 2, LineKind.LABOUR: 3}


def _line_order(line: DraftLine):
    return (_KIND_ORDER.get(line.kind, 9), line.period_start or date.min, line.time_entry_id or 0)
