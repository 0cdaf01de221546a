"""The billing run: every client's due invoices, issued in numbered batches, safe to run twice at once.

What is due, and each line's amount, is decided by ``billing.run_plan.invoices_due`` (pure; its module
says the rules): membership periods billed in advance, one invoice per (subscription, period start);
billable work and proration charges on the client's first invoice of the run dated after them, else on
a monthly ``labour`` invoice for the month before; account credit spent up to each invoice's subtotal.
Each client is billed up to its own day: ``on`` when given, else today in the client's time zone (its
billing account's, else the company's), so a client whose day has not started yet is billed by a
later run.

Per tenant (inside ``tenant_scope``; ``cross_tenant`` only lists the tenants):

1. ``close_ended`` and ``announce_phases_starting`` for the tenant's day.
2. The clients that may owe something are found with three cheap queries and taken in id order, in
   chunks of ``CHUNK_SIZE``, one transaction per chunk.
3. In a chunk: ``pg_advisory_xact_lock`` per client (ascending ids, so two runs never deadlock), the
   chunk's subscriptions locked ``FOR UPDATE`` (a membership change waits for the run or the run for
   it, never half of one), then everything read in a handful of batch queries *after* the locks,
   including what is already invoiced; invoices computed; one block of the tenant's gapless numbers
   taken; invoices inserted as drafts, their lines inserted, then all moved to issued by one UPDATE
   (the database refuses lines on an issued invoice); history rows and ``invoice.issued`` events.
4. A chunk that fails is retried client by client: one bad client is reported in the result
   (``failures``) and does not hold back the others. Its transaction rolls back, numbers included.

Concurrency: a second run started at the same moment waits on the first one's client locks, then
finds those periods and items invoiced and issues nothing for them; the numbers come from one counter
row, locked until each chunk commits, so the series has no gap and no duplicate. The unique
constraints on invoices (subscription + period, client + labour month) and lines (time entry, charge)
stand behind the locks. Running again issues nothing: the run is idempotent.

``plan_run`` is the dry run: the same reads (without locks) and the same computation, no writes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings as project_settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.actors import actor_label
from billing.issuing import (
    INVOICE_SERIES,
    announce_issued,
    billing_settings,
    document_number,
    take_sequences,
    tax_rate_of,
    totals,
)
from billing.models import (
    ZERO,
    BillingAccount,
    BillingSettings,
    ClientLabourDiscount,
    CreditEntry,
    Invoice,
    InvoiceEvent,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    ProrationCharge,
)
from billing.run_plan import (
    Charge,
    ClientLedger,
    DraftInvoice,
    LabourDiscount,
    PhaseTerms,
    PlanItem,
    SubscriptionTerms,
    WorkEntry,
    invoices_due,
    previous_month_start,
)
from clients.models import Client
from memberships import services as memberships
from memberships.models import PhaseRider, Subscription, SubscriptionPhase
from service_levels.models import WorkLocation
from tenants.localtime import tenant_now, tenant_today
from tenants.models import Tenant
from tenants.scope import cross_tenant, tenant_scope
from tickets.models import TimeEntry

logger = logging.getLogger(__name__)

CHUNK_SIZE = project_settings.ACCORD_BILLING_CHUNK_SIZE
RUN_ACTOR = actor_label(system="billing run")
# pg_advisory_xact_lock(bigint) keys of the run: this namespace in the high half, the client id below.
_LOCK_NAMESPACE = 0x62696C6C  # "bill"


# --- Results --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class IssuedInvoice:
    id: int
    number: str
    client_id: int
    client_name: str
    kind: str
    period_start: date
    period_end: date
    total: Decimal
    currency: str
    status: str
    tenant_id: int

    @property
    def pk(self) -> int:  # as an Invoice's, for issuing.announce_issued
        return self.id

    @property
    def kind_label(self) -> str:
        return InvoiceKind(self.kind).label


@dataclass(frozen=True)
class ClientFailure:
    client_id: int
    client_name: str
    error: str


@dataclass(frozen=True)
class RunProgress:
    tenant: Tenant
    processed: int
    total: int


@dataclass
class TenantRun:
    tenant: Tenant
    day: date
    clients: int = 0  # clients that may owe something
    processed: int = 0
    closed: int = 0  # memberships marked ended
    invoices: list[IssuedInvoice] = field(default_factory=list)
    failures: list[ClientFailure] = field(default_factory=list)

    def totals(self) -> dict[str, Decimal]:
        return _totals(self.invoices)

    def summary(self) -> dict:
        """JSON-ready figures (the run page's progress key keeps them)."""
        return {
            "tenant": self.tenant.slug,
            "day": self.day.isoformat(),
            "clients": self.clients,
            "invoices": len(self.invoices),
            "by_kind": _by_kind(self.invoices),
            "totals": {currency: str(amount) for currency, amount in self.totals().items()},
            "numbers": [invoice.number for invoice in self.invoices],
            "failures": [
                {"client_id": f.client_id, "client": f.client_name, "error": f.error} for f in self.failures
            ],
        }


@dataclass
class RunResult:
    on: date | None
    tenants: list[TenantRun] = field(default_factory=list)

    @property
    def invoices(self) -> list[IssuedInvoice]:
        return [invoice for run in self.tenants for invoice in run.invoices]

    @property
    def invoice_ids(self) -> list[int]:
        return [invoice.id for invoice in self.invoices]

    @property
    def failures(self) -> list[ClientFailure]:
        return [failure for run in self.tenants for failure in run.failures]

    def totals(self) -> dict[str, Decimal]:
        return _totals(self.invoices)

    def by_kind(self) -> dict[str, int]:
        return _by_kind(self.invoices)


@dataclass(frozen=True)
class PlannedInvoice:
    recipient: Recipient
    draft: DraftInvoice


@dataclass
class TenantPlan:
    tenant: Tenant
    day: date
    clients: int = 0
    invoices: list[PlannedInvoice] = field(default_factory=list)
    failures: list[ClientFailure] = field(default_factory=list)

    def totals(self) -> dict[str, Decimal]:
        found = defaultdict(Decimal)
        for planned in self.invoices:
            found[planned.draft.currency] += planned.draft.total
        return dict(found)

    def by_kind(self) -> dict[str, int]:
        found = defaultdict(int)
        for planned in self.invoices:
            found[planned.draft.kind] += 1
        return dict(found)


@dataclass
class RunPlan:
    on: date | None
    tenants: list[TenantPlan] = field(default_factory=list)

    @property
    def invoices(self) -> list[PlannedInvoice]:
        return [planned for plan in self.tenants for planned in plan.invoices]


def _totals(invoices: Iterable[IssuedInvoice]) -> dict[str, Decimal]:
    found = defaultdict(Decimal)
    for invoice in invoices:
        found[invoice.currency] += invoice.total
    return dict(found)


def _by_kind(invoices: Iterable[IssuedInvoice]) -> dict[str, int]:
    found = defaultdict(int)
    for invoice in invoices:
        found[invoice.kind] += 1
    return dict(found)


# --- The run ----------------------------------------------------------------------------------------------


def run_billing(
    on: date | None = None,
    tenant: Tenant | None = None,
    progress: Callable[[RunProgress], None] | None = None,
    *,
    actor: str = RUN_ACTOR,
    chunk_size: int | None = None,
) -> RunResult:
    """Issue every invoice due on ``on`` (default: each client's today) for ``tenant`` (default: every
    active tenant). Idempotent; safe beside another run. ``progress`` is called after each chunk."""
    result = RunResult(on=on)
    for each in _tenants(tenant):
        result.tenants.append(
            _run_tenant(each, on=on, progress=progress, actor=actor, chunk_size=chunk_size or CHUNK_SIZE)
        )
    return result


def plan_run(on: date | None = None, tenant: Tenant | None = None) -> RunPlan:
    """The dry run: what ``run_billing`` would issue now, with its lines and totals; writes nothing."""
    plan = RunPlan(on=on)
    for each in _tenants(tenant):
        with tenant_scope(each):
            settings = billing_settings(each.pk)
            day = on or tenant_today(each)
            client_ids = clients_to_bill(on=on, tenant=each)
            tenant_plan = TenantPlan(tenant=each, day=day, clients=len(client_ids))
            for chunk in _chunks(client_ids, CHUNK_SIZE):
                for recipient, ledger in _read_ledgers(each, chunk, on=on, settings=settings, lock=False):
                    if isinstance(ledger, ClientFailure):
                        tenant_plan.failures.append(ledger)
                        continue
                    try:
                        drafts = invoices_due(ledger)
                    except ValueError as error:
                        tenant_plan.failures.append(ClientFailure(recipient.id, recipient.name, str(error)))
                        continue
                    tenant_plan.invoices += [PlannedInvoice(recipient, draft) for draft in drafts]
        plan.tenants.append(tenant_plan)
    return plan


def _tenants(tenant: Tenant | None) -> list[Tenant]:
    if tenant is not None:
        return [tenant]
    with cross_tenant("list the active tenants for the billing run"):
        return list(Tenant.objects.filter(is_active=True).order_by("pk"))


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _run_tenant(tenant: Tenant, *, on, progress, actor: str, chunk_size: int) -> TenantRun:
    with tenant_scope(tenant):
        day = on or tenant_today(tenant)
        run = TenantRun(tenant=tenant, day=day)
        run.closed = memberships.close_ended(today=day)
        memberships.announce_phases_starting(today=day)
        settings = billing_settings(tenant.pk)
        client_ids = clients_to_bill(on=on, tenant=tenant)
    run.clients = len(client_ids)
    if progress:
        progress(RunProgress(tenant, 0, run.clients))
    for chunk in _chunks(client_ids, chunk_size):
        try:
            with tenant_scope(tenant):
                issued, failures = _bill_clients(tenant, chunk, on=on, settings=settings, actor=actor)
        except Exception:
            logger.warning(
                "billing run: a chunk of %s failed; billing its clients one by one",
                tenant.slug,
                exc_info=True,
            )
            issued, failures = _bill_one_by_one(tenant, chunk, on=on, settings=settings, actor=actor)
        run.invoices += issued
        run.failures += failures
        run.processed += len(chunk)
        if progress:
            progress(RunProgress(tenant, run.processed, run.clients))
    return run


def _bill_one_by_one(tenant, client_ids, *, on, settings, actor):
    issued, failures = [], []
    for client_id in client_ids:
        try:
            with tenant_scope(tenant):
                done, failed = _bill_clients(tenant, [client_id], on=on, settings=settings, actor=actor)
        except Exception as error:
            logger.exception("billing run: client %s of %s could not be billed", client_id, tenant.slug)
            with tenant_scope(tenant):
                name = Client.objects.filter(pk=client_id).values_list("name", flat=True).first() or ""
            failures.append(ClientFailure(client_id, name, _error_text(error)))
            continue
        issued += done
        failures += failed
    return issued, failures


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def clients_to_bill(*, on: date | None, tenant: Tenant) -> list[int]:
    """Ids of the clients that may owe something on ``on`` (default: today in any zone), ascending: a
    membership whose next period has started and not ended, or unbilled work or charges. A superset:
    the run decides per client."""
    bound = on or tenant_today(tenant) + timedelta(days=1)  # a zone ahead of the company's may be there
    billed_until = Subquery(
        Invoice.objects.filter(subscription=OuterRef("pk"), kind=InvoiceKind.SUBSCRIPTION)
        .order_by("-period_end")
        .values("period_end")[:1]
    )
    memberships_due = (
        Subscription.objects.annotate(next_start=Coalesce(billed_until, F("started_on")))
        .filter(next_start__lte=bound)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=F("next_start")))
        .order_by()
        .values_list("client_id", flat=True)
    )
    work = (
        TimeEntry.objects.filter(
            covered=False, bill_rate__gt=0, worked_on__lt=bound, invoice_line__isnull=True
        )
        .order_by()
        .values_list("ticket__client_id", flat=True)
    )
    charges = (
        ProrationCharge.objects.filter(on__lt=bound, invoice_line__isnull=True)
        .order_by()
        .values_list("subscription__client_id", flat=True)
    )
    return sorted(set(memberships_due) | set(work) | set(charges))


# --- One chunk ----------------------------------------------------------------------------------------


def _lock_clients(client_ids: list[int]) -> None:
    """Transaction-scoped advisory locks, one per client, taken in ascending order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s::bigint * 4294967296 + c.id)"
            " FROM unnest(%s::bigint[]) WITH ORDINALITY AS c(id, n) ORDER BY c.n",
            [_LOCK_NAMESPACE, sorted(client_ids)],
        )


def _client_day(on: date | None, zone: str, tenant: Tenant) -> date:
    if on is not None:
        return on
    try:
        return tenant_now(tenant).astimezone(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            f"The billing account's time zone {zone!r} is not a known time zone; correct it to bill."
        ) from error


def _memberships(client_ids, *, lock: bool) -> dict[int, list[SubscriptionTerms]]:
    """Each client's subscriptions with their phases and riders (locked FOR UPDATE when ``lock``)."""
    subscriptions = Subscription.objects.filter(client_id__in=client_ids).order_by("pk")
    if lock:
        subscriptions = subscriptions.select_for_update()
    rows = list(
        subscriptions.values("id", "client_id", "started_on", "ends_on", "anchor_day", "anchor_month")
    )
    riders_of = defaultdict(list)
    riders = PhaseRider.objects.filter(phase__subscription__client_id__in=client_ids).order_by(
        "rider__name", "pk"
    )
    for phase_id, rider_id, name, price in riders.values_list("phase_id", "rider_id", "rider__name", "price"):
        riders_of[phase_id].append((PlanItem(rider_id, name), price))
    phases_of = defaultdict(list)
    phases = SubscriptionPhase.objects.filter(subscription__client_id__in=client_ids).order_by(
        "starts_on", "pk"
    )
    for phase in phases.values(
        "id",
        "subscription_id",
        "starts_on",
        "ends_on",
        "billing_cycle",
        "plan_price",
        "plan_id",
        "plan__name",
        "plan__labour_discount_percent",
    ):
        tier = None
        if phase["plan_id"]:
            tier = PlanItem(phase["plan_id"], phase["plan__name"], phase["plan__labour_discount_percent"])
        phases_of[phase["subscription_id"]].append(
            PhaseTerms(
                starts_on=phase["starts_on"],
                ends_on=phase["ends_on"],
                cycle=phase["billing_cycle"],
                tier=tier,
                tier_price=phase["plan_price"],
                riders=tuple(riders_of[phase["id"]]),
            )
        )
    found = defaultdict(list)
    for row in rows:
        found[row["client_id"]].append(
            SubscriptionTerms(
                id=row["id"],
                started_on=row["started_on"],
                ends_on=row["ends_on"],
                anchor_day=row["anchor_day"],
                anchor_month=row["anchor_month"],
                phases=tuple(phases_of[row["id"]]),
            )
        )
    return found


def _invoiced(client_ids, *, labour_since: date) -> tuple[dict, dict]:
    """What is already invoiced: (subscription, period start) pairs and labour months, per client."""
    periods, labour_months = defaultdict(set), defaultdict(set)
    invoices = Invoice.objects.filter(client_id__in=client_ids).filter(
        Q(kind=InvoiceKind.SUBSCRIPTION) | Q(kind=InvoiceKind.LABOUR, period_start__gte=labour_since)
    )
    for client_id, kind, subscription_id, period_start in invoices.order_by().values_list(
        "client_id", "kind", "subscription_id", "period_start"
    ):
        if kind == InvoiceKind.SUBSCRIPTION:
            periods[client_id].add((subscription_id, period_start))
        else:
            labour_months[client_id].add(period_start)
    return periods, labour_months


def _unbilled_work(client_ids, *, before: date) -> dict[int, list[WorkEntry]]:
    """Billable time entries (not covered, with a rate) on no invoice yet, per client."""
    locations = {value: label.lower() for value, label in WorkLocation.choices}
    entries = TimeEntry.objects.filter(
        ticket__client_id__in=client_ids,
        covered=False,
        bill_rate__gt=0,
        worked_on__lt=before,
        invoice_line__isnull=True,
    )
    found = defaultdict(list)
    for entry in entries.order_by().values(
        "id",
        "worked_on",
        "minutes",
        "bill_rate",
        "rate_multiplier",
        "location",
        "coverage_reason",
        "work_type",
        "ticket__client_id",
        "ticket__number",
        "ticket__title",
        "technician__full_name",
        "technician__email",
    ):
        found[entry["ticket__client_id"]].append(
            WorkEntry(
                id=entry["id"],
                worked_on=entry["worked_on"],
                minutes=entry["minutes"],
                bill_rate=entry["bill_rate"],
                rate_multiplier=entry["rate_multiplier"],
                location=locations.get(entry["location"], entry["location"]),
                ticket_number=entry["ticket__number"],
                ticket_title=entry["ticket__title"],
                technician=entry["technician__full_name"] or entry["technician__email"],
                coverage_reason=entry["coverage_reason"],
                work_type=entry["work_type"],
            )
        )
    return found


def _unbilled_charges(client_ids, *, before: date) -> dict[int, list[Charge]]:
    charges = ProrationCharge.objects.filter(
        subscription__client_id__in=client_ids, on__lt=before, invoice_line__isnull=True
    )
    found = defaultdict(list)
    for charge in charges.order_by().values(
        "id",
        "on",
        "description",
        "amount",
        "subscription_id",
        "subscription__client_id",
        "plan_id",
        "period_start",
        "period_end",
    ):
        found[charge["subscription__client_id"]].append(
            Charge(
                id=charge["id"],
                on=charge["on"],
                description=charge["description"],
                amount=charge["amount"],
                subscription_id=charge["subscription_id"],
                plan_id=charge["plan_id"],
                period_start=charge["period_start"],
                period_end=charge["period_end"],
            )
        )
    return found


def _labour_discounts(client_ids, *, before: date) -> dict[int, list[LabourDiscount]]:
    """Labour discounts that started before ``before`` (the work billed is all before it), per client."""
    found = defaultdict(list)
    discounts = ClientLabourDiscount.objects.filter(client_id__in=client_ids, starts_on__lt=before)
    for row in discounts.order_by("starts_on", "id").values(
        "client_id", "work_type", "percent", "starts_on", "ends_on", "reason"
    ):
        client_id = row.pop("client_id")
        found[client_id].append(LabourDiscount(**row))
    return found


def _credit_balances(client_ids) -> dict[int, Decimal]:
    balances = CreditEntry.objects.filter(client_id__in=client_ids).order_by().values("client_id")
    return dict(balances.annotate(balance=Sum("amount")).values_list("client_id", "balance"))


def _read_ledgers(tenant: Tenant, client_ids: list[int], *, on, settings: BillingSettings, lock: bool):
    """(Recipient, ClientLedger) per client, from a handful of batch reads; a ClientFailure in place of the
    ledger for a client that cannot be billed as it is (an unknown time zone)."""
    clients = Client.objects.filter(pk__in=client_ids).order_by("pk").values_list("id", "name", "email")
    accounts = {
        account.client_id: account for account in BillingAccount.objects.filter(client_id__in=client_ids)
    }
    recipients, days, found = {}, {}, []
    for client_id, name, email in clients:
        account = accounts.get(client_id)
        recipients[client_id] = Recipient(client_id, name, (account and account.invoice_email) or email)
        try:
            days[client_id] = _client_day(on, (account and account.timezone) or tenant.timezone, tenant)
        except ValidationError as error:
            found.append((recipients[client_id], ClientFailure(client_id, name, " ".join(error.messages))))
    if not days:
        return found
    memberships_of = _memberships(client_ids, lock=lock)
    periods, labour_months = _invoiced(client_ids, labour_since=previous_month_start(min(days.values())))
    work = _unbilled_work(client_ids, before=max(days.values()))
    charges = _unbilled_charges(client_ids, before=max(days.values()))
    balances = _credit_balances(client_ids)
    discounts = _labour_discounts(client_ids, before=max(days.values()))
    for client_id, day in days.items():
        ledger = ClientLedger(
            client_id=client_id,
            day=day,
            currency=tenant.currency,
            tax_rate_percent=tax_rate_of(accounts.get(client_id), settings),
            subscriptions=tuple(memberships_of[client_id]),
            invoiced_periods=frozenset(periods[client_id]),
            invoiced_labour_months=frozenset(labour_months[client_id]),
            entries=tuple(work[client_id]),
            charges=tuple(charges[client_id]),
            credit_balance=balances.get(client_id) or Decimal("0.00"),
            labour_discounts=tuple(discounts[client_id]),
        )
        found.append((recipients[client_id], ledger))
    return found


def _bill_clients(tenant: Tenant, client_ids: list[int], *, on, settings: BillingSettings, actor: str):
    """Lock, read, compute and issue for some clients, in the caller's transaction (one tenant scope).
    A client whose invoices cannot be computed is a failure; any database error fails the whole call."""
    _lock_clients(client_ids)
    due: list[tuple[Recipient, DraftInvoice]] = []
    failures = []
    for recipient, ledger in _read_ledgers(tenant, client_ids, on=on, settings=settings, lock=True):
        if isinstance(ledger, ClientFailure):
            failures.append(ledger)
            continue
        try:
            due += [(recipient, draft) for draft in invoices_due(ledger)]
        except ValueError as error:
            failures.append(ClientFailure(recipient.id, recipient.name, str(error)))
    return _issue(tenant, due, settings=settings, actor=actor), failures


def _insert(model, rows: list[dict]) -> list[int]:
    """Insert ``rows`` (field name -> value) in one ``INSERT … SELECT FROM unnest(…) RETURNING id`` and
    return their ids in order. No model instances: a run writes tens of thousands of rows, and
    ``bulk_create`` spends most of its time building and preparing them."""
    if not rows:
        return []
    fields = [model._meta.get_field(name) for name in rows[0]]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    values = [[row[field.name] for row in rows] for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns})"  # noqa: S608 (names from _meta)
            f" SELECT * FROM unnest({arrays}) RETURNING id",
            values,
        )
        return [row[0] for row in cursor.fetchall()]


def _issue(tenant: Tenant, due: list[tuple[Recipient, DraftInvoice]], *, settings, actor: str):
    """Insert the drafts and their lines, then number them from one block of the series and issue them.
    The numbers are taken last: the counter row stays locked from there to the commit, and other
    writers of invoices (another run's chunk, a manual invoice) wait only that long."""
    if not due:
        return []
    now = timezone.now()
    figures = [totals(draft.lines, draft.tax_rate_percent) for _, draft in due]
    invoice_ids = _insert(
        Invoice,
        [
            {
                "tenant": tenant.pk,
                "client": recipient.id,
                "kind": draft.kind,
                "subscription": draft.subscription_id,
                "period_start": draft.period_start,
                "period_end": draft.period_end,
                "status": InvoiceStatus.DRAFT,
                "sequence": None,
                "number": "",
                "currency": draft.currency,
                "subtotal": subtotal,
                "tax_rate_percent": draft.tax_rate_percent,
                "tax_label": settings.tax_label,
                "tax": tax,
                "total": total,
                "amount_paid": ZERO,
                "amount_credited": ZERO,
                "issued_on": draft.issued_on,
                "due_on": draft.issued_on + timedelta(days=settings.payment_terms_days),
                "bill_to_name": recipient.name[:160],
                "bill_to_email": recipient.email,
                "footer": settings.invoice_footer,
                "created_at": now,
                "updated_at": now,
            }
            for (recipient, draft), (subtotal, tax, total) in zip(due, figures, strict=True)
        ],
    )
    lines = [
        (invoice_id, draft, position, line)
        for invoice_id, (_, draft) in zip(invoice_ids, due, strict=True)
        for position, line in enumerate(draft.lines, start=1)
    ]
    line_ids = _insert(
        InvoiceLine,
        [
            {
                "tenant": tenant.pk,
                "invoice": invoice_id,
                "position": position,
                "kind": line.kind,
                "description": line.description,
                "detail": line.detail,
                "period_start": line.period_start,
                "period_end": line.period_end,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "amount": line.amount,
                "taxable": line.taxable,
                "subscription": line.subscription_id,
                "plan": line.plan_id,
                "time_entry": line.time_entry_id,
                "charge": line.charge_id,
            }
            for invoice_id, _, position, line in lines
        ],
    )

    sequences = take_sequences(tenant.pk, INVOICE_SERIES, len(due))
    issued = [
        IssuedInvoice(
            id=invoice_id,
            number=document_number(INVOICE_SERIES, draft.issued_on.year, sequence),
            client_id=recipient.id,
            client_name=recipient.name,
            kind=draft.kind,
            period_start=draft.period_start,
            period_end=draft.period_end,
            total=total,
            currency=draft.currency,
            status=InvoiceStatus.PAID if total <= 0 else InvoiceStatus.ISSUED,
            tenant_id=tenant.pk,
        )
        for invoice_id, sequence, (recipient, draft), (_, _, total) in zip(
            invoice_ids, sequences, due, figures, strict=True
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_invoice AS i SET status = v.status, sequence = v.sequence, number = v.number"
            " FROM unnest(%s::bigint[], %s::text[], %s::integer[], %s::text[])"
            " AS v(id, status, sequence, number)"
            " WHERE i.id = v.id AND i.status = 'draft'",
            [invoice_ids, [i.status for i in issued], sequences, [i.number for i in issued]],
        )
        if cursor.rowcount != len(issued):
            raise RuntimeError("Some of the run's draft invoices changed before they were issued.")
    number_of = {invoice.id: invoice.number for invoice in issued}
    _insert(
        CreditEntry,
        [
            {
                "tenant": tenant.pk,
                "client": draft.client_id,
                "amount": line.amount,
                "reason": f"Used on invoice {number_of[invoice_id]}",
                "source": "billing",
                "granted_on": draft.issued_on,
                "invoice_line": line_id,
                "actor": actor,
                "created_at": now,
            }
            for (invoice_id, draft, _, line), line_id in zip(lines, line_ids, strict=True)
            if line.kind == LineKind.CREDIT
        ],
    )
    _insert(
        InvoiceEvent,
        [
            {
                "tenant": tenant.pk,
                "invoice": invoice.id,
                "kind": "issued",
                "actor": actor,
                "at": now,
                "summary": f"Issued {invoice.number} for {invoice.total} {invoice.currency}",
            }
            for invoice in issued
        ],
    )
    announce_issued(issued)
    return issued
