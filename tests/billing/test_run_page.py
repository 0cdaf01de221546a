"""The "Billing run" page: the dry run for today or a chosen day (how many invoices, for whom, totals,
each invoice's lines), "Run now" that queues the run once, and its progress polled with htmx."""

from datetime import UTC, date, datetime
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from billing import run_progress, views_run
from billing.runs import RunProgress
from tenants.roles import Role
from tests.billing.run_setup import catalog, customer, invoices_of, subscribe, technician, work

pytestmark = pytest.mark.django_db

URL = "/billing/run/"


@pytest.fixture(autouse=True)
def first_of_december(tenant):
    cache.delete(run_progress.record_key(tenant.pk))
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC), tick=False):
        yield
    cache.delete(run_progress.record_key(tenant.pk))


@pytest.fixture
def book(tenant):
    plans = catalog(tenant)
    whitaker = customer(tenant, "Whitaker Residence")
    subscribe(tenant, whitaker, started_on=date(2026, 11, 1), tier=plans.gold, riders=[plans.premium])
    work(tenant, whitaker, on=date(2026, 11, 12), minutes=90, tech=technician(tenant))
    subscribe(tenant, customer(tenant, "Lindqvist Loft"), started_on=date(2026, 12, 15), tier=plans.silver)
    return whitaker


def test_the_page_previews_todays_run_with_every_invoice_and_its_lines(staff_client, tenant, book):
    page = staff_client.get(URL).content.decode()

    assert reverse("billing:run") == URL
    assert '<h1 class="h3">Billing run</h1>' in page
    assert "data-invoice-count>2<" in page
    assert "for 1 client" in page
    assert "data-total>$412.00<" in page  # 125 + 125 + 1.5 h x $120 less 10%
    assert page.count("<details>") == 2
    assert "Gold membership, 1 Nov 2026 – 30 Nov 2026" in page
    assert "Ticket #1 “Lounge TV has no picture” — 1 h 30 min remote, Jo Tech, 12 Nov 2026" in page
    assert "$120.00/h · Gold −10%" in page
    assert "Lindqvist" not in page  # its first period starts on 15 Dec
    assert "Run now" in page
    assert invoices_of(tenant) == []  # a preview issues nothing


def test_a_chosen_day_is_previewed_without_a_run_button(staff_client, tenant, book):
    page = staff_client.get(URL, {"on": "2026-12-15"}).content.decode()

    assert "A preview for Tue 15 Dec 2026: nothing is issued from it." in page
    assert "Lindqvist Loft" in page
    assert "data-invoice-count>3<" in page
    assert reverse("billing:run_start") not in page


def test_a_day_that_is_not_one_is_said_so_and_today_is_shown(staff_client, tenant, book):
    page = staff_client.get(URL, {"on": "2026-02-30"}).content.decode()

    assert "Enter a valid date." in page
    assert "data-invoice-count>2<" in page


def test_nothing_due_says_what_happens_next(staff_client, tenant):
    page = staff_client.get(URL).content.decode()

    assert "Nothing is due today." in page
    assert "Membership periods are billed on the day they start" in page


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.OWNER, True), (Role.MANAGER, True), (Role.BILLING, True), (Role.DISPATCHER, False),
     (Role.TECHNICIAN, False), (Role.READ_ONLY, False)],
)  # fmt: skip
def test_owners_managers_and_billing_staff_may_use_the_page(client, login_as, tenant, role, allowed):
    login_as(tenant, role)

    response = client.get(URL)
    start = client.post(reverse("billing:run_start"))
    home = client.get(reverse("tenants:home")).content.decode()

    assert response.status_code == (200 if allowed else 403)
    assert start.status_code == (302 if allowed else 403)
    assert (f'href="{URL}"' in home) is allowed


def test_run_now_queues_the_run_once_and_the_page_follows_it(staff_client, tenant, owner, book):
    with mock.patch.object(views_run.bill_tenant, "delay_on_commit") as queue:
        first = staff_client.post(reverse("billing:run_start"), follow=True).content.decode()
        second = staff_client.post(reverse("billing:run_start"), follow=True).content.decode()

    queue.assert_called_once_with(tenant_id=tenant.pk, started_by=f"{owner.full_name} <{owner.email}>")
    assert "Billing run started. You can leave this page: it keeps running." in first
    assert "Run in progress" in first
    assert f'hx-get="{reverse("billing:run_progress")}" hx-trigger="every 2s"' in first
    assert "A billing run is already underway" in second


def test_the_progress_card_counts_clients_then_reloads_the_page_when_the_run_ends(staff_client, tenant, book):
    run_progress.queued(tenant.pk, started_by="Olivia Owens")
    run_progress.started(tenant.pk, started_by="Olivia Owens")
    run_progress.advanced(RunProgress(tenant, 1, 4))
    url = reverse("billing:run_progress")

    running = staff_client.get(url, headers={"HX-Request": "true"})
    run_progress.failed(tenant.pk, "the database went away")
    ended = staff_client.get(url, headers={"HX-Request": "true"})
    page = staff_client.get(URL).content.decode()

    assert "1 of 4 clients done" in running.content.decode()
    assert 'value="25"' in running.content.decode()
    assert (ended.status_code, ended.headers["HX-Refresh"]) == (204, "true")
    assert "stopped with an error: <em>the database went away</em>" in page
    assert 'hx-trigger="every 2s"' not in page  # no more polling


def test_a_finished_run_shows_what_it_issued(staff_client, tenant, book):
    from billing.tasks import bill_tenant

    bill_tenant.apply(kwargs={"tenant_id": tenant.pk, "started_by": "Olivia Owens"}).get()

    page = staff_client.get(URL).content.decode()

    assert "Issued <strong>2 invoices</strong> for <strong>$412.00</strong>" in page
    assert (
        '<span class="text-nowrap">INV-2026-000001</span>, <span class="text-nowrap">INV-2026-000002</span>'
        in page
    )
    assert "Nothing is due today." in page
