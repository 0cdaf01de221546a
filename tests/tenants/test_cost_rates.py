"""Cost rates with a history: what an hour of each staff member costs, from a day on."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from tenants.models import CostRate
from tenants.roles import Role
from tenants.scope import tenant_scope
from tenants.selectors import cost_rate_on
from tests.factories import StaffMembershipFactory, TenantFactory
from tickets import services
from tickets.models import TimeEntry

pytestmark = pytest.mark.django_db

NOW = "2026-06-15 15:00:00+00:00"


@pytest.fixture
def tech(tenant):
    return StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, cost_rate=Decimal("40.00"))


def entry(tenant, tech, *, worked_on: date, minutes: int = 60) -> TimeEntry:
    from tests.factories import TicketFactory

    with tenant_scope(tenant):
        ticket = TicketFactory(client__tenant=tenant)
        return services.log_time(
            ticket,
            technician=tech.user,
            work_type="repair",
            minutes=minutes,
            location="remote",
            worked_on=worked_on,
        )


def costs(tenant, entries) -> list[Decimal]:
    with tenant_scope(tenant):
        return [TimeEntry.objects.get(pk=e.pk).cost_rate for e in entries]


@time_machine.travel(NOW, tick=False)
def test_a_time_entry_costs_the_rate_in_force_on_the_day_it_was_worked(tenant, tech):
    with tenant_scope(tenant):
        services.set_cost_rate(tech, rate="50.00", effective_from=date(2026, 6, 1))
    may, june = (
        entry(tenant, tech, worked_on=date(2026, 5, 31)),
        entry(tenant, tech, worked_on=date(2026, 6, 1)),
    )
    assert costs(tenant, [may, june]) == [Decimal("40.00"), Decimal("50.00")]


@time_machine.travel(NOW, tick=False)
def test_a_backdated_rate_revalues_that_persons_entries_from_its_day_only(tenant, tech):
    other = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, cost_rate=Decimal("30.00"))
    before = entry(tenant, tech, worked_on=date(2026, 3, 31))
    after = [
        entry(tenant, tech, worked_on=date(2026, 4, 1)),
        entry(tenant, tech, worked_on=date(2026, 6, 10)),
    ]
    theirs = entry(tenant, other, worked_on=date(2026, 5, 1))
    with tenant_scope(tenant):
        result = services.set_cost_rate(tech, rate="45.50", effective_from=date(2026, 4, 1), set_by=tech.user)
    assert result.revalued == 2
    assert costs(tenant, [before, *after, theirs]) == [
        Decimal("40.00"),
        Decimal("45.50"),
        Decimal("45.50"),
        Decimal("30.00"),
    ]
    with tenant_scope(tenant):  # a later change in between only reaches the entries from its own day
        services.set_cost_rate(tech, rate="48.00", effective_from=date(2026, 5, 1))
        assert TimeEntry.objects.get(pk=after[1].pk).cost == Decimal("48.00")
        assert cost_rate_on(tech, date(2026, 4, 30)) == Decimal("45.50")


@time_machine.travel(NOW, tick=False)
def test_the_history_keeps_every_change_with_who_set_it_and_the_last_set_wins_a_day(tenant, tech, owner):
    with tenant_scope(tenant):
        services.set_cost_rate(tech, rate="41", effective_from=date(2026, 2, 1), set_by=owner)
        services.set_cost_rate(tech, rate="42", effective_from=date(2026, 2, 1), set_by=owner, note="typo")
        rows = list(CostRate.objects.filter(membership=tech).order_by("id"))
        assert [r.rate for r in rows] == [Decimal("40.00"), Decimal("41.00"), Decimal("42.00")]
        assert (rows[-1].set_by, rows[-1].note) == (owner, "typo")
        assert cost_rate_on(tech, date(2026, 2, 1)) == Decimal("42.00")


@time_machine.travel(NOW, tick=False)
def test_a_rate_before_the_first_one_revalues_everything_before(tenant):
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN)
    early = entry(tenant, tech, worked_on=date(2025, 1, 5))
    assert costs(tenant, [early]) == [Decimal("0.00")]
    with tenant_scope(tenant):
        services.set_cost_rate(tech, rate="35", effective_from=date(2026, 1, 1))
    assert costs(tenant, [early]) == [Decimal("35.00")]  # before the first rate, the first rate applies


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("rate", "day", "field"),
    [
        ("-1", date(2026, 1, 1), "rate"),
        ("10000.01", date(2026, 1, 1), "rate"),
        ("12.345", date(2026, 1, 1), "rate"),
        ("40", date(2027, 7, 1), "effective_from"),
        ("40", date(1999, 12, 31), "effective_from"),
    ],
)
def test_a_bad_rate_or_day_is_refused_and_changes_nothing(tenant, tech, rate, day, field):
    with tenant_scope(tenant), pytest.raises(ValidationError) as error:
        services.set_cost_rate(tech, rate=rate, effective_from=day)
    assert field in error.value.message_dict
    with tenant_scope(tenant):
        assert CostRate.objects.filter(membership=tech).count() == 1


@time_machine.travel(NOW, tick=False)
def test_an_owner_sets_a_rate_on_the_team_page_and_sees_its_history(staff_client, tenant, tech):
    done = entry(tenant, tech, worked_on=date(2026, 6, 2))
    team = staff_client.get(reverse("tenants:team")).content.decode()
    assert "$40.00" in team
    assert reverse("tenants:cost_rate", args=[tech.pk]) in team
    response = staff_client.post(
        reverse("tenants:cost_rate", args=[tech.pk]),
        {"rate": "52.00", "effective_from": "2026-06-01", "note": "Annual raise"},
        follow=True,
    )
    page = response.content.decode()
    assert "1 time entry re-valued" in page
    assert "Annual raise" in page
    assert "$52.00" in page
    assert costs(tenant, [done]) == [Decimal("52.00")]


@time_machine.travel(NOW, tick=False)
def test_a_bad_rate_on_the_page_says_why_and_keeps_what_was_typed(staff_client, tech):
    response = staff_client.post(
        reverse("tenants:cost_rate", args=[tech.pk]), {"rate": "-5", "effective_from": "2026-06-01"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "greater than or equal to 0" in page
    assert 'value="-5"' in page


@pytest.mark.parametrize("role", [Role.MANAGER, Role.BILLING, Role.DISPATCHER, Role.TECHNICIAN])
def test_only_owners_set_cost_rates(client, login_as, tenant, tech, role):
    login_as(tenant, role)
    url = reverse("tenants:cost_rate", args=[tech.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"rate": "1", "effective_from": "2026-01-01"}).status_code == 403
    with tenant_scope(tenant):
        assert CostRate.objects.filter(membership=tech).count() == 1


def test_another_tenants_staff_member_is_not_found(staff_client):
    stranger = StaffMembershipFactory(tenant=TenantFactory(), role=Role.TECHNICIAN, cost_rate="10")
    assert staff_client.get(reverse("tenants:cost_rate", args=[stranger.pk])).status_code == 404
    assert (
        staff_client.post(
            reverse("tenants:cost_rate", args=[stranger.pk]), {"rate": "99", "effective_from": "2026-01-01"}
        ).status_code
        == 404
    )
