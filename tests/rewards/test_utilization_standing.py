"""A client's standing this period: utilisation so far, the tier reached so far, what the next tier needs,
shown in the portal's and the staff's rewards sections."""

from datetime import date, datetime

import pytest
from django.template.loader import render_to_string

from rewards.models import Program
from rewards.sections import sections_for
from rewards.utilization import grant_utilization_rewards
from rewards.utilization_standing import utilization_standing
from tenants.scope import tenant_scope
from tests.billing.run_setup import catalog, customer, subscribe
from tests.rewards.utilization_setup import switch_on, tickets

pytestmark = pytest.mark.django_db

ON = date(2026, 12, 20)


@pytest.fixture
def member(tenant):
    plans = catalog(tenant)
    switch_on(tenant)
    client = customer(tenant, "Whitaker Residence")
    with tenant_scope(tenant):
        client.managed_endpoints = 80
        client.save(update_fields=["managed_endpoints"])
    subscribe(tenant, client, started_on=date(2026, 11, 1), tier=plans.gold)
    return client


def standing(tenant, client, on=ON):
    with tenant_scope(tenant):
        return utilization_standing(client, on)


def test_a_quiet_client_holds_the_best_tier_and_is_told_how_to_keep_it(tenant, member):
    tickets(tenant, member, 4, at=datetime(2026, 12, 3, 15))

    found = standing(tenant, member)

    assert (found.period.start, found.period.end, found.period_text) == (
        date(2026, 12, 1),
        date(2027, 1, 1),
        "December 2026",
    )
    assert (found.tickets, found.endpoints, str(found.percent)) == (4, 80, "5.00")
    assert found.tier.name == "Quiet"
    assert found.keep_text == (
        "Best tier reached so far: stay at 7 tickets or fewer by 31 Dec (3 more at most) to keep 10% off."
    )
    assert found.next_step is None


def test_a_client_on_the_first_tier_is_told_what_keeps_it_and_how_far_the_next_one_was(tenant, member):
    tickets(tenant, member, 10, at=datetime(2026, 12, 3, 15))

    found = standing(tenant, member)

    assert (found.tickets, found.tier.name) == (10, "Steady")
    assert found.keep_text == "Stay at 15 tickets or fewer by 31 Dec (5 more at most) to keep 5% off."
    assert found.next_step.text == (
        "10% off needs at most 7 tickets in a period: 3 fewer tickets this period would have reached it. "
        "It is within reach again next period."
    )


def test_a_busy_client_is_told_how_far_the_first_tier_was(tenant, member):
    tickets(tenant, member, 17, at=datetime(2026, 12, 3, 15))
    assert standing(tenant, member, on=date(2026, 12, 2)).tickets == 0  # the 3rd is after the day asked

    found = standing(tenant, member)

    assert (found.tier, found.keep_text) == (None, "")
    assert found.next_step.text.startswith("5% off needs at most 15 tickets in a period: 2 fewer tickets")


def test_the_sections_show_the_standing_and_the_last_evaluations(tenant, member):
    tickets(tenant, member, 6, at=datetime(2026, 11, 12, 15))
    tickets(tenant, member, 3, at=datetime(2026, 12, 3, 15))
    with tenant_scope(tenant):
        grant_utilization_rewards(date(2026, 12, 1))
        (portal,) = sections_for(member, audience="portal", on=ON)
        (staff,) = sections_for(member, audience="staff", on=ON)
        portal_html = render_to_string(portal.template, portal.context)
        staff_html = render_to_string(staff.template, staff.context)

    assert portal.program == Program.UTILIZATION
    assert "3.75%" in portal_html
    assert "10% off reached so far" in portal_html
    assert "stay at 7 tickets or fewer by 31 Dec (4 more at most)" in portal_html
    assert "10% off your next plan invoice" in portal_html  # November's reward
    assert "6 tickets on 80 endpoints (7.5%) in November 2026, under the 10% tier" in staff_html
    assert "Within target" in staff_html


def test_no_endpoints_and_no_membership_are_said_plainly(tenant):
    switch_on(tenant)
    walk_in = customer(tenant, "Walk In")
    blank = customer(tenant, "Blank Slate")
    with tenant_scope(tenant):
        blank.managed_endpoints = 0
        blank.save(update_fields=["managed_endpoints"])
        (walk_in_section,) = sections_for(walk_in, audience="portal", on=ON)
        (blank_section,) = sections_for(blank, audience="staff", on=ON)
        walk_in_html = render_to_string(walk_in_section.template, walk_in_section.context)
        blank_html = render_to_string(blank_section.template, blank_section.context)

    assert walk_in_section.context["standing"].period_text == "December 2026"
    assert "without a membership there is none to discount" in walk_in_html
    assert "utilisation cannot be measured" in blank_html


def test_the_sections_are_hidden_while_the_program_is_off(tenant):
    client = customer(tenant, "Whitaker Residence")
    with tenant_scope(tenant):
        assert sections_for(client, audience="portal", on=ON) == []
        assert sections_for(client, audience="staff", on=ON) == []
