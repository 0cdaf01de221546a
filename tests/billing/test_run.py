"""The billing run against the database: each due membership period invoiced once, numbered and issued;
work, proration charges, credit and tax on them; each client billed up to its own day in its own time
zone; the dry run shows exactly what the run then issues."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from billing.models import CreditEntry, Invoice, InvoiceEvent, InvoiceStatus, ProrationCharge
from billing.runs import plan_run, run_billing
from billing.subscriptions import change_subscription
from contracts import agreements
from events.models import OutboxEvent
from memberships import services as memberships
from memberships.models import SubscriptionStatus
from tenants.scope import tenant_scope
from tests.billing.run_setup import (
    bill,
    catalog,
    company_settings,
    customer,
    grant_credit,
    invoices_of,
    subscribe,
    technician,
    work,
)
from tests.factories import ClientFactory, ContractVersionFactory, TenantFactory
from tickets.models import TimeEntry

pytestmark = pytest.mark.django_db

FIRST_OF_DECEMBER = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 07:00 in New York


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(FIRST_OF_DECEMBER, tick=False) as traveller:
        yield traveller


@pytest.fixture
def plans(tenant):
    return catalog(tenant)


@pytest.fixture
def tech(tenant):
    return technician(tenant)


def summary(invoices):
    return [(i.client.name, i.kind, i.period_start, i.period_end, i.total) for i in invoices]


def test_a_membership_period_is_invoiced_on_its_first_day_numbered_and_issued(tenant, plans):
    whitaker = customer(tenant, "Whitaker Residence")
    subscribe(tenant, whitaker, started_on=date(2026, 12, 1), tier=plans.gold, riders=[plans.premium])

    result = bill(tenant)

    (invoice,) = invoices_of(tenant)
    assert result.invoice_ids == [invoice.pk]
    assert (invoice.number, invoice.sequence, invoice.status) == ("INV-2026-000001", 1, InvoiceStatus.ISSUED)
    assert (invoice.kind, invoice.period_start, invoice.period_end) == (
        "subscription",
        date(2026, 12, 1),
        date(2027, 1, 1),
    )
    assert (invoice.issued_on, invoice.due_on) == (date(2026, 12, 1), date(2026, 12, 15))
    assert (invoice.bill_to_name, invoice.bill_to_email) == ("Whitaker Residence", "whitaker@client.example")
    assert (invoice.subtotal, invoice.tax, invoice.total, invoice.currency) == (
        Decimal("125.00"),
        Decimal("0.00"),
        Decimal("125.00"),
        "USD",
    )
    assert [(line.position, line.kind, line.description, line.amount) for line in invoice.lines.all()] == [
        (1, "plan", "Gold membership, 1 Dec 2026 – 31 Dec 2026", Decimal("100.00")),
        (2, "rider", "Premium Response rider, 1 Dec 2026 – 31 Dec 2026", Decimal("25.00")),
    ]
    line = invoice.lines.all()[0]
    assert (line.subscription_id, line.plan_id, line.period_start, line.period_end) == (
        invoice.subscription_id,
        plans.gold.pk,
        date(2026, 12, 1),
        date(2027, 1, 1),
    )
    with tenant_scope(tenant):
        history = list(InvoiceEvent.objects.filter(invoice=invoice).values_list("kind", "summary", "actor"))
        event = OutboxEvent.objects.get(name="invoice.issued")
    assert history == [("issued", "Issued INV-2026-000001 for 125.00 USD", "system (billing run)")]
    assert event.payload == {
        "invoice_id": invoice.pk,
        "client_id": whitaker.pk,
        "number": "INV-2026-000001",
        "total": "125.00",
        "currency": "USD",
    }


def test_running_again_issues_nothing(tenant, plans):
    subscribe(tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 11, 1), tier=plans.gold)
    first = bill(tenant)

    again = bill(tenant)

    assert len(first.invoices) == 2
    assert again.invoices == []
    assert [invoice.number for invoice in invoices_of(tenant)] == ["INV-2026-000001", "INV-2026-000002"]


def test_a_period_that_starts_tomorrow_is_not_invoiced_today(tenant, plans):
    subscribe(tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 11, 2), tier=plans.gold)

    bill(tenant)

    assert [invoice.period_start for invoice in invoices_of(tenant)] == [date(2026, 11, 2)]  # not 2 Dec yet


def test_a_first_partial_period_is_prorated_to_the_anchor_day(tenant, plans, clock):
    whitaker = customer(tenant, "Whitaker Residence")
    subscribe(tenant, whitaker, started_on=date(2026, 12, 10), tier=plans.gold, anchor_day=1)
    clock.move_to(datetime(2026, 12, 10, 12, tzinfo=UTC))

    bill(tenant)

    (invoice,) = invoices_of(tenant)
    assert (invoice.period_start, invoice.period_end, invoice.total) == (
        date(2026, 12, 10),
        date(2027, 1, 1),
        Decimal("70.97"),  # 22 of 31 days of $100
    )
    clock.move_to(datetime(2027, 1, 1, 12, tzinfo=UTC))
    bill(tenant)
    assert [invoice.total for invoice in invoices_of(tenant)] == [Decimal("70.97"), Decimal("100.00")]


def test_an_annual_membership_is_invoiced_once_for_the_year(tenant, plans, clock):
    subscribe(
        tenant,
        customer(tenant, "Whitaker Residence"),
        started_on=date(2026, 3, 15),
        tier=plans.gold,
        riders=[plans.premium],
        cycle="annual",
    )

    bill(tenant)
    clock.move_to(datetime(2027, 3, 14, 12, tzinfo=UTC))
    nothing_yet = bill(tenant)
    clock.move_to(datetime(2027, 3, 15, 12, tzinfo=UTC))
    bill(tenant)

    assert nothing_yet.invoices == []
    assert [(i.period_start, i.period_end, i.total, i.number) for i in invoices_of(tenant)] == [
        (date(2026, 3, 15), date(2027, 3, 15), Decimal("1250.00"), "INV-2026-000001"),
        (date(2027, 3, 15), date(2028, 3, 15), Decimal("1250.00"), "INV-2027-000002"),
    ]


def test_missed_periods_are_caught_up_in_one_run_oldest_first_with_consecutive_numbers(tenant, plans):
    subscribe(tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 8, 1), tier=plans.gold)
    subscribe(tenant, customer(tenant, "Lindqvist Loft"), started_on=date(2026, 11, 20), tier=plans.silver)

    bill(tenant)

    invoices = invoices_of(tenant)
    assert [(i.client.name, i.period_start, i.sequence) for i in invoices] == [
        ("Whitaker Residence", date(2026, 8, 1), 1),
        ("Whitaker Residence", date(2026, 9, 1), 2),
        ("Whitaker Residence", date(2026, 10, 1), 3),
        ("Whitaker Residence", date(2026, 11, 1), 4),
        ("Whitaker Residence", date(2026, 12, 1), 5),
        ("Lindqvist Loft", date(2026, 11, 20), 6),
    ]
    assert {i.issued_on for i in invoices} == {date(2026, 12, 1)}


def test_a_cancelled_membership_is_not_billed_from_its_end_day_and_is_closed(tenant, plans, clock):
    clock.move_to(datetime(2026, 10, 1, 12, tzinfo=UTC))
    whitaker = customer(tenant, "Whitaker Residence")
    subscription = subscribe(tenant, whitaker, started_on=date(2026, 10, 1), tier=plans.gold)
    bill(tenant)
    clock.move_to(datetime(2026, 11, 10, 12, tzinfo=UTC))
    with tenant_scope(tenant):
        memberships.cancel_at_period_end(subscription, on=date(2026, 11, 10), actor="owner")
    clock.move_to(datetime(2026, 12, 1, 12, tzinfo=UTC))

    bill(tenant)
    clock.move_to(datetime(2027, 2, 1, 12, tzinfo=UTC))
    bill(tenant)

    # cancelled on 10 Nov: the client keeps (and pays for) November, then nothing
    assert [invoice.period_start for invoice in invoices_of(tenant)] == [date(2026, 10, 1), date(2026, 11, 1)]
    with tenant_scope(tenant):
        subscription.refresh_from_db()
    assert (subscription.ends_on, subscription.status) == (date(2026, 12, 1), SubscriptionStatus.ENDED)


def test_an_upgrade_mid_period_is_billed_on_the_next_invoice_with_its_proration(tenant, plans, clock):
    clock.move_to(datetime(2026, 11, 1, 12, tzinfo=UTC))
    subscription = subscribe(
        tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 11, 1), tier=plans.silver
    )
    bill(tenant)
    clock.move_to(datetime(2026, 11, 16, 12, tzinfo=UTC))
    with tenant_scope(tenant):
        change_subscription(subscription, tier=plans.gold, actor="owner", on=date(2026, 11, 16))
        charges = list(ProrationCharge.objects.order_by("amount").values_list("pk", "amount"))
    clock.move_to(datetime(2026, 12, 1, 12, tzinfo=UTC))

    bill(tenant)

    november, december = invoices_of(tenant)
    assert november.total == Decimal("60.00")
    assert [(line.kind, line.amount, line.charge_id) for line in december.lines.all()] == [
        ("plan", Decimal("100.00"), None),
        ("proration", Decimal("-30.00"), charges[0][0]),  # unused Silver, 15 of 30 days
        ("proration", Decimal("50.00"), charges[1][0]),  # Gold for the same days
    ]
    assert [amount for _, amount in charges] == [Decimal("-30.00"), Decimal("50.00")]
    assert december.lines.all()[0].description == "Gold membership, 1 Dec 2026 – 31 Dec 2026"
    assert december.total == Decimal("120.00")


def test_billable_work_goes_on_the_next_membership_invoice_with_the_tiers_discount(tenant, plans, tech):
    whitaker = customer(tenant, "Whitaker Residence")
    subscribe(tenant, whitaker, started_on=date(2026, 11, 1), tier=plans.gold)
    late = work(tenant, whitaker, on=date(2026, 11, 20), minutes=90, after_hours=True, tech=tech)
    covered = work(tenant, whitaker, on=date(2026, 11, 20), minutes=60, billable=False, tech=tech)
    today = work(tenant, whitaker, on=date(2026, 12, 1), minutes=30, tech=tech)

    bill(tenant)

    november, december = invoices_of(tenant)
    assert len(november.lines.all()) == 1
    (labour,) = [line for line in december.lines.all() if line.kind == "labour"]
    assert (labour.time_entry_id, labour.amount) == (late.pk, Decimal("243.00"))  # 1.5 h x $120 x 1.5 - 10%
    assert labour.detail.endswith("· $120.00/h · after hours ×1.5 · Gold −10%")
    with tenant_scope(tenant):
        billed = TimeEntry.objects.filter(pk__in=[covered.pk, today.pk], invoice_line__isnull=False)
        assert not billed.exists()  # covered work never; today's work on a later invoice


def test_a_client_without_a_membership_gets_a_labour_invoice_for_last_month(tenant, tech):
    studio = customer(tenant, "Castillo Architecture Studio")
    work(tenant, studio, on=date(2026, 11, 30), minutes=180, location="on_site", tech=tech)

    bill(tenant)

    (invoice,) = invoices_of(tenant)
    assert (invoice.kind, invoice.period_start, invoice.period_end, invoice.subscription_id) == (
        "labour",
        date(2026, 11, 1),
        date(2026, 12, 1),
        None,
    )
    assert invoice.total == Decimal("480.00")  # 3 h on site at $160


def test_account_credit_reduces_the_invoice_and_is_recorded_as_used(tenant, plans):
    whitaker = customer(tenant, "Whitaker Residence")
    subscribe(tenant, whitaker, started_on=date(2026, 11, 1), tier=plans.gold)
    grant_credit(tenant, whitaker, "150.00", on=date(2026, 10, 1))

    bill(tenant)

    november, december = invoices_of(tenant)
    assert (november.total, november.status) == (Decimal("0.00"), InvoiceStatus.PAID)
    assert (december.total, december.status) == (Decimal("50.00"), InvoiceStatus.ISSUED)
    with tenant_scope(tenant):
        uses = list(CreditEntry.objects.filter(amount__lt=0).select_related("invoice_line").order_by("pk"))
        balance = sum(CreditEntry.objects.values_list("amount", flat=True))
    assert [(use.amount, use.invoice_line.invoice_id, use.source) for use in uses] == [
        (Decimal("-100.00"), november.pk, "billing"),
        (Decimal("-50.00"), december.pk, "billing"),
    ]
    assert uses[0].reason == f"Used on invoice {november.number}"
    assert balance == Decimal("0.00")


def test_tax_is_the_companys_rate_unless_the_client_has_its_own(tenant, plans):
    company_settings(tenant, tax_rate_percent=Decimal("8.875"), tax_label="Sales tax", payment_terms_days=30)
    subscribe(tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 12, 1), tier=plans.gold)
    subscribe(
        tenant, customer(tenant, "Lindqvist Loft", tax="0"), started_on=date(2026, 12, 1), tier=plans.gold
    )

    bill(tenant)

    whitaker, lindqvist = invoices_of(tenant)
    assert (whitaker.tax_rate_percent, whitaker.tax_label, whitaker.tax, whitaker.total) == (
        Decimal("8.875"),
        "Sales tax",
        Decimal("8.88"),
        Decimal("108.88"),
    )
    assert (lindqvist.tax_rate_percent, lindqvist.tax, lindqvist.total) == (
        Decimal("0"),
        Decimal("0.00"),
        Decimal("100.00"),
    )
    assert whitaker.due_on == date(2026, 12, 31)


def test_a_client_whose_day_has_not_started_in_its_time_zone_is_billed_by_a_later_run(tenant, plans, clock):
    clock.move_to(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))  # 03:00 in New York, 22:00 on 30 Nov in Honolulu
    subscribe(tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 12, 1), tier=plans.gold)
    kahale = customer(tenant, "Kahale Hale", zone="Pacific/Honolulu")
    subscribe(tenant, kahale, started_on=date(2026, 12, 1), tier=plans.gold)

    early = bill(tenant)
    clock.move_to(datetime(2026, 12, 1, 10, 30, tzinfo=UTC))  # 00:30 in Honolulu
    later = bill(tenant)

    assert [invoice.client_name for invoice in early.invoices] == ["Whitaker Residence"]
    assert [(i.client_name, i.period_start) for i in later.invoices] == [("Kahale Hale", date(2026, 12, 1))]


def test_a_client_whose_day_has_started_ahead_of_the_company_is_billed_on_its_own_date(tenant, plans, clock):
    clock.move_to(
        datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    )  # 07:00 on 30 Nov in New York, 01:00 on 1 Dec in Auckland
    subscribe(tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 12, 1), tier=plans.gold)
    tane = customer(tenant, "Tane Bach", zone="Pacific/Auckland")
    subscribe(tenant, tane, started_on=date(2026, 12, 1), tier=plans.gold)

    result = bill(tenant)

    assert [(i.client_name, i.period_start) for i in result.invoices] == [("Tane Bach", date(2026, 12, 1))]
    assert invoices_of(tenant)[0].issued_on == date(2026, 12, 1)


def test_runs_either_side_of_the_clocks_going_back_bill_the_day_once(tenant, plans, clock):
    subscribe(tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 11, 1), tier=plans.gold)
    clock.move_to(datetime(2026, 11, 1, 5, 30, tzinfo=UTC))  # 01:30 EDT on 1 Nov

    first = bill(tenant)
    clock.move_to(datetime(2026, 11, 1, 6, 30, tzinfo=UTC))  # 01:30 EST, the same wall-clock time again
    second = bill(tenant)

    assert [(i.period_start, i.period_end) for i in first.invoices] == [
        (date(2026, 11, 1), date(2026, 12, 1))
    ]
    assert second.invoices == []


def test_a_period_across_a_clock_change_is_prorated_by_days_not_hours(tenant, plans, clock):
    clock.move_to(datetime(2026, 10, 25, 12, tzinfo=UTC))
    subscribe(
        tenant,
        customer(tenant, "Whitaker Residence"),
        started_on=date(2026, 10, 25),
        tier=plans.gold,
        anchor_day=10,
    )

    bill(tenant)

    (invoice,) = invoices_of(tenant)
    # 10 Oct – 10 Nov holds the 25-hour 1 Nov: 16 of 31 days, as a calendar counts them
    assert (invoice.period_start, invoice.period_end, invoice.total) == (
        date(2026, 10, 25),
        date(2026, 11, 10),
        Decimal("51.61"),
    )


def test_the_dry_run_shows_what_the_run_then_issues_and_writes_nothing(tenant, plans, tech):
    whitaker = customer(tenant, "Whitaker Residence")
    subscribe(tenant, whitaker, started_on=date(2026, 10, 1), tier=plans.gold, riders=[plans.premium])
    work(tenant, whitaker, on=date(2026, 11, 3), minutes=45, tech=tech)
    work(tenant, customer(tenant, "Castillo Studio"), on=date(2026, 11, 4), minutes=60, tech=tech)
    grant_credit(tenant, whitaker, "20.00", on=date(2026, 11, 1))

    (plan,) = plan_run(tenant=tenant).tenants
    with tenant_scope(tenant):
        assert not Invoice.objects.exists()
    result = bill(tenant)

    planned = [(p.recipient.name, p.draft.kind, p.draft.period_start, p.draft.total) for p in plan.invoices]
    issued = [(i.client_name, i.kind, i.period_start, i.total) for i in result.invoices]
    assert planned == issued
    assert len(issued) == 4
    assert [len(p.draft.lines) for p in plan.invoices] == [len(i.lines.all()) for i in invoices_of(tenant)]


def test_a_client_that_cannot_be_billed_is_reported_and_the_others_are_billed(tenant, plans):
    subscribe(tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 12, 1), tier=plans.gold)
    subscribe(
        tenant,
        customer(tenant, "Olympus Base", zone="Mars/Olympus"),
        started_on=date(2026, 12, 1),
        tier=plans.gold,
    )

    result = bill(tenant)

    assert [invoice.client_name for invoice in result.invoices] == ["Whitaker Residence"]
    (failure,) = result.failures
    assert failure.client_name == "Olympus Base"
    assert "'Mars/Olympus' is not a known time zone" in failure.error


def test_clients_are_billed_in_chunks_with_progress_and_gapless_numbers(tenant, plans):
    for n in range(5):
        subscribe(tenant, customer(tenant, f"Client {n} Home"), started_on=date(2026, 12, 1), tier=plans.gold)
    seen = []

    result = run_billing(tenant=tenant, chunk_size=2, progress=lambda p: seen.append((p.processed, p.total)))

    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert [invoice.sequence for invoice in invoices_of(tenant)] == [1, 2, 3, 4, 5]
    assert len(result.invoices) == 5


def test_every_active_tenant_is_billed_with_its_own_numbers(tenant, plans):
    other = TenantFactory(slug="harbor", timezone="Europe/London", currency="GBP")
    dormant = TenantFactory(slug="dormant", is_active=False)
    subscribe(tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 12, 1), tier=plans.gold)
    for company in (other, dormant):
        subscribe(
            company,
            customer(company, "Harbour Flat"),
            started_on=date(2026, 12, 1),
            tier=catalog(company).gold,
        )

    result = run_billing()

    assert {(run.tenant.slug, len(run.invoices)) for run in result.tenants} == {
        (tenant.slug, 1),
        ("harbor", 1),
    }
    (theirs,) = invoices_of(other)
    assert (theirs.number, theirs.currency) == ("INV-2026-000001", "GBP")
    assert invoices_of(dormant) == []
    assert result.totals() == {"USD": Decimal("100.00"), "GBP": Decimal("100.00")}


def test_a_membership_started_by_signing_a_contract_is_billed_by_the_next_run(tenant, plans):
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")
    version = ContractVersionFactory(published=True, template__tenant=tenant)
    with tenant_scope(tenant):
        agreement = agreements.create_agreement(
            client=client, version=version, actor="owner", plan=plans.gold, riders=[plans.premium]
        )
        agreements.mark_sent(agreement, actor="owner")
        agreements.mark_signed(agreement, actor="Dana Whitaker")

    result = bill(tenant)

    assert [(i.client_name, i.period_start, i.total) for i in result.invoices] == [
        ("Whitaker Residence", date(2026, 12, 1), Decimal("125.00"))
    ]
