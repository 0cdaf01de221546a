"""After-hours work: a billable entry logged as after hours keeps the contract's after-hours multiplier of
that day (so repricing the contract later changes nothing already logged) and bills rate x multiplier;
covered work and work without a contract keep a multiplier of 1. The ticket page and the API take it."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from contracts import agreements
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import (
    ClientFactory,
    ContractVersionFactory,
    IssueTypeFactory,
    StaffMembershipFactory,
    api_key_for,
)
from tickets import services
from tickets.models import TimeEntry

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)
DAY = date(2026, 11, 16)
RULES = [{"category": "hardware", "work_type": "", "covered": True, "note": ""}]


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tech(tenant):
    return StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, cost_rate=Decimal("48.00")).user


@pytest.fixture
def version(tenant):
    return ContractVersionFactory(
        published=True, template__tenant=tenant, coverage=RULES, hourly_rate_remote="120.00",
        hourly_rate_onsite="160.00", after_hours_multiplier="1.75",
    )  # fmt: skip


@pytest.fixture
def signed_client(tenant, version):
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")
    with tenant_scope(tenant):
        agreement = agreements.create_agreement(client=client, version=version, actor="owner@example.com")
        agreements.mark_sent(agreement, actor="owner@example.com")
        agreements.mark_signed(agreement, actor="Dana Whitaker")
    return client


def ticket_of(tenant, client, category=None):
    issue_type = IssueTypeFactory(tenant=tenant, category=category) if category else None
    with tenant_scope(tenant):
        return services.open_ticket(client=client, title="Rack fan alarm", issue_type=issue_type, now=NOW)


def log(tenant, ticket, technician, *, after_hours, minutes=60, location="remote", work_type="training"):
    with tenant_scope(tenant):
        return services.log_time(
            ticket, technician=technician, work_type=work_type, minutes=minutes, location=location,
            worked_on=DAY, after_hours=after_hours,
        )  # fmt: skip


def test_billable_after_hours_work_keeps_the_contracts_multiplier_and_bills_it(tenant, signed_client, tech):
    ticket = ticket_of(tenant, signed_client)

    entry = log(tenant, ticket, tech, after_hours=True, minutes=90, location="on_site")

    assert (entry.after_hours, entry.rate_multiplier) == (True, Decimal("1.75"))
    assert entry.billable_amount == Decimal("420.00")  # 1.5 h x $160 x 1.75


def test_work_in_business_hours_bills_at_the_plain_rate(tenant, signed_client, tech):
    entry = log(tenant, ticket_of(tenant, signed_client), tech, after_hours=False, minutes=30)

    assert (entry.after_hours, entry.rate_multiplier, entry.billable_amount) == (
        False,
        Decimal("1"),
        Decimal("60.00"),
    )


def test_covered_after_hours_work_is_marked_but_has_no_multiplier(tenant, signed_client, tech):
    ticket = ticket_of(tenant, signed_client, "hardware")
    entry = log(tenant, ticket, tech, after_hours=True, work_type="repair")

    assert (entry.covered, entry.after_hours, entry.rate_multiplier) == (True, True, Decimal("1"))
    assert entry.billable_amount == Decimal("0.00")


def test_after_hours_work_without_a_contract_has_no_rate_to_multiply(tenant, tech):
    entry = log(tenant, ticket_of(tenant, ClientFactory(tenant=tenant)), tech, after_hours=True)

    assert (entry.covered, entry.bill_rate, entry.rate_multiplier) == (False, Decimal("0"), Decimal("1"))


def test_a_new_contract_with_another_multiplier_does_not_reprice_logged_work(tenant, signed_client, tech):
    ticket = ticket_of(tenant, signed_client)
    before = log(tenant, ticket, tech, after_hours=True)
    dearer = ContractVersionFactory(
        published=True, template__tenant=tenant, coverage=RULES, hourly_rate_remote="120.00",
        after_hours_multiplier="2.00",
    )  # fmt: skip
    with tenant_scope(tenant):
        agreements.cancel(signed_client.agreements.get(), actor="owner@example.com", reason="New terms")
        renewed = agreements.create_agreement(client=signed_client, version=dearer, actor="owner@example.com")
        agreements.mark_sent(renewed, actor="owner@example.com")
        agreements.mark_signed(renewed, actor="Dana Whitaker")
    after = log(tenant, ticket, tech, after_hours=True)

    with tenant_scope(tenant):
        before.refresh_from_db()
    assert (before.rate_multiplier, before.billable_amount) == (Decimal("1.75"), Decimal("210.00"))
    assert (after.rate_multiplier, after.billable_amount) == (Decimal("2.00"), Decimal("240.00"))


def test_the_amount_is_rounded_to_the_cent_once_after_multiplying(tenant, signed_client, tech):
    ticket = ticket_of(tenant, signed_client)
    one_minute = log(tenant, ticket, tech, after_hours=True, minutes=1, location="on_site")
    # $160/h x 1.75 = $280/h: $4.666… for a minute, not $2.67 x 1.75 = $4.67 rounded twice
    assert one_minute.billable_amount == Decimal("4.67")
    seven = log(tenant, ticket, tech, after_hours=True, minutes=7, location="on_site")
    assert seven.billable_amount == Decimal("32.67")  # 7 x 4.666… = 32.666…, not 7 x 4.67 = 32.69


def test_the_ticket_page_logs_after_hours_work_and_says_so(client, tenant, signed_client, tech):
    client.force_login(tech)
    ticket = ticket_of(tenant, signed_client)

    response = client.post(reverse("tickets:log_time", args=[ticket.pk]), {
        "time-technician": tech.pk, "time-worked_on": "2026-11-16", "time-work_type": "training",
        "time-minutes": "1h", "time-location": "remote", "time-after_hours": "on",
    }, follow=True)  # fmt: skip

    page = response.content.decode()
    assert "Logged 1 h of training: billable, $210.00 at $120.00/h × 1.75 after hours." in page
    assert "· Remote · after hours" in page
    assert 'name="time-after_hours"' in page
    with tenant_scope(tenant):
        assert TimeEntry.objects.get().after_hours is True


def test_the_api_logs_after_hours_work_and_shows_the_multiplier(tenant, signed_client, tech):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(tenant, ['read', 'write'])[1]}")
    ticket = ticket_of(tenant, signed_client)

    late = api.post("/api/v1/time-entries/", {
        "ticket": ticket.pk, "technician": tech.pk, "work_type": "training", "minutes": 60,
        "after_hours": True, "rate_multiplier": "9.00",
    }, format="json")  # fmt: skip
    usual = api.post("/api/v1/time-entries/", {
        "ticket": ticket.pk, "technician": tech.pk, "work_type": "training", "minutes": 60,
    }, format="json")  # fmt: skip

    assert late.status_code == 201, late.content
    assert (late.json()["after_hours"], late.json()["rate_multiplier"]) == (True, "1.75")  # not settable
    assert late.json()["billable_amount"] == "210.00"
    assert (usual.json()["after_hours"], usual.json()["rate_multiplier"]) == (False, "1.00")
