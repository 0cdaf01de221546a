"""``manage.py run_billing [--on YYYY-MM-DD] [--tenant SLUG]``: issues what is due, prints what it issued
and a summary, shows progress on long runs, refuses a bad date or an unknown company, and issues nothing
the second time."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from billing import runs
from billing.management.commands import run_billing
from tests.billing.run_setup import catalog, customer, invoices_of, subscribe
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def plans(tenant):
    return catalog(tenant)


@pytest.fixture
def members(tenant, plans):
    subscribe(tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 11, 1), tier=plans.gold)
    subscribe(tenant, customer(tenant, "Lindqvist Loft"), started_on=date(2026, 12, 1), tier=plans.silver)


def run(*args) -> str:
    out = StringIO()
    call_command("run_billing", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_it_prints_each_invoice_it_issued_and_a_summary(tenant, members):
    output = run("--tenant", tenant.slug)

    assert output.splitlines() == [
        "  INV-2026-000001  Whitaker Residence  Membership period, 1 Nov 2026 – 30 Nov 2026  $100.00",
        "  INV-2026-000002  Whitaker Residence  Membership period, 1 Dec 2026 – 31 Dec 2026  $100.00",
        "  INV-2026-000003  Lindqvist Loft  Membership period, 1 Dec 2026 – 31 Dec 2026  $60.00",
        "Issued 3 invoices for $260.00 in 1 company (up to each client's today).",
    ]


def test_running_it_again_issues_nothing(tenant, members):
    run()

    assert run() == "Issued 0 invoices in 1 company (up to each client's today).\n"
    assert len(invoices_of(tenant)) == 3


def test_on_bills_up_to_the_given_day(tenant, members):
    output = run("--on", "2026-11-30")

    assert "Issued 1 invoice for $100.00 in 1 company (up to 30 Nov 2026)." in output
    assert [invoice.issued_on for invoice in invoices_of(tenant)] == [date(2026, 11, 30)]


@pytest.mark.parametrize("text", ["2026-13-01", "1/12/2026", "tomorrow"])
def test_a_date_that_is_not_one_is_refused_clearly(tenant, members, text):
    with pytest.raises(
        CommandError, match=rf"--on takes a date as YYYY-MM-DD, e.g. 2026-12-01; '{text}' is not one"
    ):
        run("--on", text)
    assert invoices_of(tenant) == []


def test_an_unknown_or_inactive_company_is_refused_clearly(tenant, members):
    TenantFactory(slug="dormant", name="Dormant Ltd", is_active=False)

    with pytest.raises(CommandError, match=rf"No company has the slug 'nope'. Known: {tenant.slug}."):
        run("--tenant", "nope")
    with pytest.raises(CommandError, match=r"Dormant Ltd \(dormant\) is not active"):
        run("--tenant", "dormant")
    assert invoices_of(tenant) == []


def test_long_runs_show_how_many_clients_are_done(tenant, members, monkeypatch):
    monkeypatch.setattr(runs, "CHUNK_SIZE", 1)

    output = run()

    assert f"{tenant.name}: 2 clients to look at" in output
    assert f"{tenant.name}: 1 / 2 clients" in output
    assert f"{tenant.name}: 2 / 2 clients" in output


def test_a_long_list_is_cut_short_unless_asked_for(tenant, members, monkeypatch):
    monkeypatch.setattr(run_billing, "LISTED", 1)

    output = run()

    assert "INV-2026-000002" not in output
    assert "  … and 2 more (-v 2 lists them all)" in output


def test_clients_that_cannot_be_billed_are_named_and_the_command_fails(tenant, plans, members):
    olympus = customer(tenant, "Olympus Base", zone="Mars/Olympus")
    subscribe(tenant, olympus, started_on=date(2026, 12, 1), tier=plans.gold)
    out = StringIO()

    with pytest.raises(CommandError, match="1 client could not be billed"):
        call_command("run_billing", stdout=out, stderr=out)

    assert (
        f"Not billed: Olympus Base (client #{olympus.pk}): The billing account's time zone" in out.getvalue()
    )
    assert "Issued 3 invoices" in out.getvalue()
