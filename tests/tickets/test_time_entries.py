"""Work tracking: each time entry is valued at the technician's cost rate and is covered by the client's
signed agreement or billable at the contract's remote or on-site rate, decided by the agreement's
coverage rules (through tickets.services.log_time), and the ticket's page says which, why and from which
document."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from contracts import agreements
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContractVersionFactory, IssueTypeFactory, StaffMembershipFactory
from tickets import services
from tickets.models import TimeEntry

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)
DAY = date(2026, 11, 16)
RULES = [
    {"category": "software", "work_type": "installation", "covered": False, "note": "Quoted separately"},
    {"category": "hardware", "work_type": "", "covered": True, "note": ""},
    {"category": "", "work_type": "remote_support", "covered": True, "note": "Remote triage"},
]


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tech(tenant):
    return StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, cost_rate=Decimal("48.00")).user


@pytest.fixture
def signed_client(tenant):
    """A client who signed a service agreement whose version has RULES, $120/h remote, $160/h on site."""
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")
    version = ContractVersionFactory(
        published=True, template__tenant=tenant, number=1, coverage=RULES, hourly_rate_remote="120.00",
        hourly_rate_onsite="160.00",
    )  # fmt: skip
    with tenant_scope(tenant):
        agreement = agreements.create_agreement(client=client, version=version, actor="owner@example.com")
        agreements.mark_sent(agreement, actor="owner@example.com")
        agreements.mark_signed(agreement, actor="Dana Whitaker")
    return client


def ticket_of(tenant, client, category=None):
    issue_type = IssueTypeFactory(tenant=tenant, category=category) if category else None
    with tenant_scope(tenant):
        return services.open_ticket(client=client, title="AV rack fault", issue_type=issue_type, now=NOW)


def log(tenant, ticket, technician, work_type, minutes=60, location="remote") -> TimeEntry:
    with tenant_scope(tenant):
        return services.log_time(
            ticket,
            technician=technician,
            work_type=work_type,
            minutes=minutes,
            location=location,
            worked_on=DAY,
        )


def test_a_category_rule_covers_every_kind_of_work_on_that_category(tenant, signed_client, tech):
    ticket = ticket_of(tenant, signed_client, "hardware")

    repair = log(tenant, ticket, tech, "repair")
    travel = log(tenant, ticket, tech, "travel", location="on_site")

    assert (repair.covered, travel.covered) == (True, True)
    assert repair.coverage_reason == "Hardware is covered by Service Agreement v1."
    assert (repair.bill_rate, repair.billable_amount) == (Decimal("0"), Decimal("0.00"))


def test_a_work_type_rule_covers_that_work_in_any_category(tenant, signed_client, tech):
    software = log(tenant, ticket_of(tenant, signed_client, "software"), tech, "remote_support")
    uncatalogued = log(tenant, ticket_of(tenant, signed_client), tech, "remote_support")

    assert software.covered
    assert uncatalogued.covered
    assert software.coverage_reason == "Remote support is covered by Service Agreement v1 (Remote triage)."


def test_a_rule_with_a_category_and_a_work_type_needs_both_and_the_first_match_wins(
    tenant, signed_client, tech
):
    ticket = ticket_of(tenant, signed_client, "software")

    installation = log(tenant, ticket, tech, "installation")
    training = log(tenant, ticket, tech, "training")

    assert installation.covered is False
    assert (
        installation.coverage_reason
        == "New installation software is billable by Service Agreement v1 (Quoted separately)."
    )
    assert training.covered is False
    assert (
        training.coverage_reason
        == "Service Agreement v1 does not cover this work: billable at contract rates."
    )


def test_a_ticket_without_an_issue_type_matches_only_rules_without_a_category(tenant, signed_client, tech):
    entry = log(tenant, ticket_of(tenant, signed_client), tech, "repair")
    assert entry.covered is False  # the hardware rule needs a hardware issue


def test_billable_work_is_priced_at_the_contracts_remote_or_on_site_rate(tenant, signed_client, tech):
    ticket = ticket_of(tenant, signed_client, "software")

    remote = log(tenant, ticket, tech, "training", minutes=30, location="remote")
    on_site = log(tenant, ticket, tech, "training", minutes=90, location="on_site")

    assert (remote.bill_rate, remote.billable_amount) == (Decimal("120.00"), Decimal("60.00"))
    assert (on_site.bill_rate, on_site.billable_amount) == (Decimal("160.00"), Decimal("240.00"))


def test_without_a_signed_contract_all_work_is_billable(tenant, tech):
    unsigned = ClientFactory(tenant=tenant)
    entry = log(tenant, ticket_of(tenant, unsigned, "hardware"), tech, "repair")

    assert entry.covered is False
    assert entry.coverage_reason == "No signed service contract: all work is billable."
    assert entry.bill_rate == Decimal("0")  # no contract rate to price it at


def test_each_entry_is_valued_at_the_technicians_cost_rate(tenant, signed_client, tech):
    entry = log(tenant, ticket_of(tenant, signed_client, "hardware"), tech, "repair", minutes=45)
    assert (entry.cost_rate, entry.cost) == (Decimal("48.00"), Decimal("36.00"))


def test_logging_time_on_the_page_says_covered_or_billable_with_the_reason_and_the_amount(
    client, tenant, signed_client, tech
):
    client.force_login(tech)
    ticket = ticket_of(tenant, signed_client, "software")
    url = reverse("tickets:log_time", args=[ticket.pk])
    fields = {"time-technician": tech.pk, "time-worked_on": "2026-11-16", "time-notes": "Showed the new app"}

    billable = client.post(url, {**fields, "time-work_type": "training", "time-minutes": "1h30m",
                                 "time-location": "on_site"}, follow=True)  # fmt: skip
    covered = client.post(url, {**fields, "time-work_type": "remote_support", "time-minutes": "20",
                                "time-location": "remote"}, follow=True)  # fmt: skip

    first, second = billable.content.decode(), covered.content.decode()
    assert "Logged 1 h 30 min of training: billable, $240.00 at $160.00/h." in first
    assert "Logged 20 min of remote support: covered by the agreement." in second
    assert second.count('data-entry="billable"') == 1
    assert second.count('data-entry="covered"') == 1
    assert "$240.00</span>" in second
    assert "at $160.00/h" in second
    assert "Remote support is covered by Service Agreement v1 (Remote triage)." in second
    assert "Total · covered 20 min, billable 1 h 30 min" in second
    assert "$88.00" in second  # cost: 110 min at $48/h


def test_time_that_does_not_read_as_a_duration_is_refused_inline(client, tenant, signed_client, tech):
    client.force_login(tech)
    ticket = ticket_of(tenant, signed_client, "hardware")

    response = client.post(reverse("tickets:log_time", args=[ticket.pk]), {
        "time-technician": tech.pk, "time-work_type": "repair", "time-minutes": "a while",
        "time-location": "remote", "time-worked_on": "2026-11-16",
    })  # fmt: skip

    assert response.status_code == 400
    assert "is not a duration" in response.content.decode()
    with tenant_scope(tenant):
        assert not TimeEntry.objects.exists()


def test_billing_staff_see_time_but_cannot_log_it(client, login_as, tenant, signed_client):
    login_as(tenant, Role.BILLING)
    ticket = ticket_of(tenant, signed_client, "hardware")

    assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 200
    assert client.post(reverse("tickets:log_time", args=[ticket.pk]), {}).status_code == 403


def test_work_logged_in_the_evening_in_new_york_is_dated_that_day_not_the_utc_tomorrow(
    tenant, signed_client, tech
):
    ticket = ticket_of(tenant, signed_client, "hardware")

    with time_machine.travel("2026-11-16 23:30 -05:00", tick=False), tenant_scope(tenant):
        entry = services.log_time(ticket, technician=tech, work_type="repair", minutes=30, location="on_site")

    assert (entry.worked_on, entry.covered) == (DAY, True)


def test_work_done_before_the_contract_started_is_billable(tenant, signed_client, tech):
    ticket = ticket_of(tenant, signed_client, "hardware")

    with tenant_scope(tenant):
        entry = services.log_time(
            ticket,
            technician=tech,
            work_type="repair",
            minutes=60,
            location="on_site",
            worked_on=date(2026, 11, 9),
        )

    assert not entry.covered
    assert entry.coverage_reason == "No signed service contract: all work is billable."
