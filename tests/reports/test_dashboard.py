"""The staff home page: open tickets by priority, clocks at risk, breaches today, contract coverage,
renewals due, MRR and open disputes (for those who may see them), each figure a link to the page behind
it showing the same number; a fixed number of queries; another tenant's rows never counted."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import disputes
from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import AgreementFactory, ClientFactory, ContactFactory, give_membership, sla_desk
from tickets import services
from tickets.models import TicketStatus
from tickets.sweeper import sweep

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
TODAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def open_ticket(tenant, client, title, *, minutes_ago=0, **fields):
    with tenant_scope(tenant):
        return services.open_ticket(
            client=client, title=title, now=NOW - timedelta(minutes=minutes_ago), **fields
        )


def floor_of(tenant):
    """Basic triage (first response 1 h for P1, 2 h for P2, 4 h for P3): a P1 breached this morning, a P1
    breached yesterday, a P1 past its warning point, a P2 on track, a P3 waiting on the client, a resolved
    P1; the sweeper has recorded the breaches. Two agreements end in 10 and in 45 days."""
    sla_desk(tenant)
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence")
    okafor = ClientFactory(tenant=tenant, name="Okafor Dental Group")
    open_ticket(tenant, whitaker, "Core switch down", minutes_ago=120, priority="P1")
    open_ticket(tenant, whitaker, "Door station dead", minutes_ago=25 * 60, priority="P1")
    open_ticket(tenant, whitaker, "Gate camera offline", minutes_ago=50, priority="P1")
    open_ticket(tenant, okafor, "Keypad dead", priority="P2")
    paused = open_ticket(tenant, okafor, "Email not syncing", minutes_ago=60, priority="P3")
    resolved = open_ticket(tenant, okafor, "Printer jam", minutes_ago=30, priority="P1")
    with tenant_scope(tenant):
        services.change_status(paused, TicketStatus.WAITING_ON_CLIENT, actor="tech", now=NOW)
        services.change_status(resolved, TicketStatus.RESOLVED, actor="tech", now=NOW)
    sweep(now=NOW)
    AgreementFactory(
        client=whitaker, starts_on=TODAY - timedelta(days=355), ends_on=TODAY + timedelta(days=10)
    )
    AgreementFactory(
        client__tenant=tenant, starts_on=TODAY - timedelta(days=320), ends_on=TODAY + timedelta(days=45)
    )


@pytest.fixture
def floor(tenant):
    floor_of(tenant)


def home(client):
    response = client.get(reverse("tenants:home"))
    assert response.status_code == 200
    return response


def figure(page: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]+)<', page).group(1)


def link_of(page: str, label_id: str) -> str:
    return re.search(rf'id="{label_id}" href="([^"]+)"', page).group(1).replace("&amp;", "&")


def test_the_home_page_sums_up_the_days_tickets(staff_client, floor):
    context = home(staff_client).context

    tickets = context["tickets"]
    assert tickets.open_by_priority == {"P1": 3, "P2": 1, "P3": 1, "P4": 0}
    assert (tickets.open_total, tickets.at_risk, tickets.breaches_today) == (5, 1, 1)
    assert context["renewals_due"] == 1
    page = home(staff_client).content.decode()
    assert (figure(page, "open"), figure(page, "at-risk"), figure(page, "breaches")) == ("5", "1", "1")
    assert "3 critical, 1 high" in page


def test_each_figure_links_to_a_page_that_shows_the_same_number(staff_client, floor):
    page = home(staff_client).content.decode()

    board = staff_client.get(link_of(page, "stat-risk"))
    assert [(row.state, row.ticket.title) for row in board.context["board"].rows] == [
        ("warning", "Gate camera offline")
    ]
    breaches = staff_client.get(link_of(page, "stat-breaches"))
    assert [row.ticket_title for row in breaches.context["rows"]] == ["Core switch down"]
    assert staff_client.get(link_of(page, "stat-open")).context["shown"] == 5  # the list counts to 1,000
    critical = re.search(r'href="([^"]+priority=P1)"', page).group(1).replace("&amp;", "&")
    assert staff_client.get(critical).context["shown"] == 3
    renewals_link = link_of(page, "stat-renewals")
    assert renewals_link.endswith("#bucket-table-1")
    assert staff_client.get(renewals_link).context["buckets"][0].count == 1
    coverage = staff_client.get(link_of(page, "stat-coverage")).context["coverage"]
    assert (coverage.signed, coverage.clients) == (home(staff_client).context["coverage"].signed, 3)
    assert figure(page, "coverage") == f"{coverage.percent} %"


def test_the_board_keeps_only_the_chosen_state_and_still_counts_them_all(staff_client, floor):
    board = staff_client.get(reverse("tickets:board"), {"state": "breached"}).context["board"]

    assert [row.ticket.title for row in board.rows] == ["Door station dead", "Core switch down"]
    assert (board.counts["warning"], board.counts["on_track"], board.total) == (1, 1, 2)


def test_a_technician_sees_breaches_today_without_a_link_to_the_report_they_cannot_open(
    client, login_as, tenant, floor
):
    login_as(tenant, "technician")
    page = home(client).content.decode()

    assert figure(page, "breaches") == "1"
    assert reverse("reports:breaches") not in page


def test_the_home_page_takes_as_many_queries_with_many_more_rows(staff_client, tenant):
    sla_desk(tenant)
    client = ClientFactory(tenant=tenant)
    open_ticket(tenant, client, "One", priority="P1", minutes_ago=50)
    with CaptureQueriesContext(connection) as few:
        home(staff_client)
    for n in range(12):
        extra = ClientFactory(tenant=tenant)
        open_ticket(tenant, extra, f"More {n}", priority=("P1", "P2", "P3")[n % 3], minutes_ago=n * 20)
        AgreementFactory(
            client=extra, starts_on=TODAY - timedelta(days=300), ends_on=TODAY + timedelta(days=n)
        )
    sweep(now=NOW)
    with CaptureQueriesContext(connection) as many:
        home(staff_client)

    assert len(many) == len(few)


def test_another_tenants_tickets_and_agreements_are_not_counted(client, login_as, floor, other_tenant):
    login_as(other_tenant)
    context = home(client).context

    assert context["tickets"].open_total == 0
    assert (context["tickets"].at_risk, context["tickets"].breaches_today, context["renewals_due"]) == (
        0,
        0,
        0,
    )
    assert context["coverage"].clients == 0
    assert "No open tickets." in home(client).content.decode()


def member_since(tenant, name, started_on, *, tier="gold"):
    agreement = AgreementFactory(
        tenant=tenant,
        client=ClientFactory(tenant=tenant, name=name),
        starts_on=date(2026, 1, 1),
        ends_on=None,
    )
    give_membership(agreement, tier=tier, started_on=started_on)


def test_mrr_and_its_change_this_month_link_to_the_revenue_report_that_shows_them(staff_client, tenant):
    member_since(tenant, "Whitaker Residence", date(2026, 3, 1), tier="platinum")
    member_since(tenant, "Okafor Dental Group", date(2026, 11, 3), tier="gold")
    page = home(staff_client).content.decode()

    report = staff_client.get(link_of(page, "stat-mrr")).context["report"]
    assert figure(page, "mrr") == f"${report.mrr:,.2f}"
    assert (
        re.search(r'data-figure="mrr-change">\+\$([\d,.]+) this month', page).group(1)
        == f"{report.change:,.2f}"
    )
    assert report.change > 0


def test_staff_who_may_not_see_revenue_get_no_mrr_on_the_home_page(client, login_as, tenant):
    member_since(tenant, "Whitaker Residence", date(2026, 3, 1))
    login_as(tenant, "dispatcher")

    assert 'data-figure="mrr"' not in home(client).content.decode()


def test_open_disputes_link_to_the_queue_that_lists_the_same_ones(staff_client, tenant):
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence")
    invoices = [issued_invoice(whitaker, [("labour", f"Visit {n}", "90.00")]) for n in range(3)]
    with tenant_scope(tenant):
        dana = ContactFactory(client=whitaker, full_name="Dana Whitaker")
        as_dana = {"party": "client", "contact": dana, "actor": "Dana"}
        waiting = disputes.open_dispute(invoices[0], reason="Covered by the plan", **as_dana)
        explained = disputes.open_dispute(invoices[1], reason="Too long", **as_dana)
        disputes.propose_explanation(explained, body="The visit took 2 h, see the notes", actor="Olivia")
        ended = disputes.open_dispute(invoices[2], reason="Typo", **as_dana)
        disputes.withdraw(ended, **as_dana)
    page = home(staff_client).content.decode()

    assert figure(page, "disputes") == "2"
    assert "1 waiting for our answer" in page
    queue = staff_client.get(link_of(page, "stat-disputes")).context["page_obj"].object_list
    assert sorted(dispute.pk for dispute in queue) == sorted([waiting.pk, explained.pk])


def test_a_technician_sees_no_disputes_or_revenue_on_the_home_page(client, login_as, tenant):
    login_as(tenant, "technician")
    page = home(client).content.decode()

    assert 'data-figure="disputes"' not in page
    assert 'data-figure="mrr"' not in page
