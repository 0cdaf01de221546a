"""effective_sla(): which targets apply to a ticket, and why."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from service_levels import services
from service_levels.models import Metric, PolicyKind
from service_levels.selectors import effective_sla, priority_for
from tenants.scope import tenant_scope
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

H = 60


@pytest.fixture
def sla_setup(tenant):
    """24/7 and New York business-hours calendars; basic triage, standard, Gold and a Premium rider."""
    with tenant_scope(tenant):
        always = services.create_calendar(
            name="24/7", timezone="UTC", weekly_hours=services.PRESETS["always_open"]
        )
        office = services.create_calendar(
            name="Office", timezone="America/New_York", weekly_hours=services.PRESETS["office_hours"],
            holiday_country="US", holiday_subdivision="NY",
        )  # fmt: skip
        basic = services.create_policy(name="Basic triage", kind=PolicyKind.BASIC_TRIAGE)
        services.set_targets(basic, {("P1", Metric.FIRST_RESPONSE): (2 * H, always)})
        standard = services.create_policy(name="Standard", kind=PolicyKind.STANDARD)
        services.set_targets(
            standard,
            {("P1", Metric.FIRST_RESPONSE): (1 * H, always), ("P1", Metric.ONSITE): (16 * H, office),
             ("P1", Metric.RESOLUTION): (24 * H, office)},
        )  # fmt: skip
        gold = services.create_policy(name="Gold", kind=PolicyKind.TIER, key="gold")
        services.set_targets(
            gold,
            {("P1", Metric.FIRST_RESPONSE): (30, always), ("P1", Metric.ONSITE): (4 * H, office),
             ("P1", Metric.RESOLUTION): (8 * H, office)},
        )  # fmt: skip
        rider = services.create_policy(name="Premium Response", kind=PolicyKind.RIDER, key="premium-response")
        services.set_targets(
            rider, {("P1", Metric.FIRST_RESPONSE): (10, always), ("P1", Metric.RESOLUTION): (12 * H, office)}
        )
        remote_issue = services.create_issue_type(
            name="Password reset", category="software", default_priority="P1", work_location="remote",
            expected_turnaround_minutes=60,
        )  # fmt: skip
        yield {
            "always": always,
            "office": office,
            "client": ClientFactory(tenant=tenant),
            "remote": remote_issue,
        }


def minutes(sla, metric):
    return sla.targets[metric].duration // timedelta(minutes=1)


def test_a_client_without_a_signed_contract_gets_basic_triage_only(sla_setup):
    sla = effective_sla(client=sla_setup["client"], priority="P1", has_signed_contract=False, tier="gold")
    assert sla.policy.name == "Basic triage"
    assert set(sla.targets) == {Metric.FIRST_RESPONSE}
    assert "no signed service contract: basic triage only" in sla.reasons[0]
    assert "no resolution target" in sla.without_target[Metric.RESOLUTION]


def test_riders_are_ignored_without_a_signed_contract(sla_setup):
    sla = effective_sla(
        client=sla_setup["client"], priority="P1", has_signed_contract=False, riders=["premium-response"]
    )
    assert sla.riders == []
    assert minutes(sla, Metric.FIRST_RESPONSE) == 2 * H
    assert any("Riders apply only under a signed contract" in reason for reason in sla.reasons)


def test_a_signed_client_without_a_tier_gets_the_standard_policy(sla_setup):
    sla = effective_sla(client=sla_setup["client"], priority="P1", has_signed_contract=True)
    assert sla.policy.name == "Standard"
    assert minutes(sla, Metric.ONSITE) == 16 * H


def test_a_tier_maps_to_its_policy(sla_setup):
    sla = effective_sla(client=sla_setup["client"], priority="P1", has_signed_contract=True, tier="gold")
    assert sla.policy.name == "Gold"
    assert (minutes(sla, Metric.FIRST_RESPONSE), minutes(sla, Metric.ONSITE)) == (30, 4 * H)
    assert "“Gold” tier" in sla.reasons[0]


def test_an_unknown_tier_falls_back_to_the_standard_policy_and_says_so(sla_setup):
    sla = effective_sla(client=sla_setup["client"], priority="P1", has_signed_contract=True, tier="diamond")
    assert sla.policy.name == "Standard"
    assert "No active policy for the tier “diamond”" in sla.reasons[0]


def test_the_premium_response_rider_tightens_targets_and_says_which(sla_setup):
    sla = effective_sla(
        client=sla_setup["client"],
        priority="P1",
        has_signed_contract=True,
        tier="gold",
        riders=["premium-response"],
    )
    assert [r.name for r in sla.riders] == ["Premium Response"]
    assert minutes(sla, Metric.FIRST_RESPONSE) == 10
    assert sla.targets[Metric.FIRST_RESPONSE].policy.name == "Premium Response"
    assert any("rider sets first response for P1" in reason for reason in sla.reasons)


def test_a_rider_target_looser_than_the_tier_is_not_used(sla_setup):
    sla = effective_sla(
        client=sla_setup["client"],
        priority="P1",
        has_signed_contract=True,
        tier="gold",
        riders=["premium-response"],
    )
    assert minutes(sla, Metric.RESOLUTION) == 8 * H  # Gold's 8 h beats the rider's 12 h
    assert any("resolution target is looser: not used" in reason for reason in sla.reasons)


def test_a_remote_issue_type_promises_no_site_visit_and_gives_the_priority(sla_setup):
    sla = effective_sla(client=sla_setup["client"], issue_type=sla_setup["remote"], has_signed_contract=True)
    assert sla.priority == "P1"
    assert Metric.ONSITE not in sla.targets
    assert "fixed remotely" in sla.without_target[Metric.ONSITE]
    assert "default of the issue type" in sla.reasons[0]


def test_without_any_policy_no_targets_apply_and_the_reason_says_what_to_do(tenant, other_tenant):
    with tenant_scope(other_tenant):  # another tenant's policy is never used
        services.create_policy(name="Basic triage", kind=PolicyKind.BASIC_TRIAGE)
    with tenant_scope(tenant):
        sla = effective_sla(client=ClientFactory(tenant=tenant), priority="P2", has_signed_contract=False)
    assert sla.policy is None
    assert sla.targets == {}
    assert "No matching SLA policy" in sla.reasons[-1]


def test_an_unknown_priority_or_none_at_all_is_refused(sla_setup):
    with pytest.raises(ValueError, match="P9"):
        effective_sla(client=sla_setup["client"], priority="P9", has_signed_contract=True)
    with pytest.raises(ValueError, match="needs a priority"):
        effective_sla(client=sla_setup["client"], has_signed_contract=True)


@pytest.mark.parametrize(
    "computed_at", ["2026-12-01 12:00Z", "2031-06-02 12:00Z"], ids=["that December", "years later"]
)
def test_due_times_follow_business_hours_holidays_and_closures(sla_setup, tenant, computed_at):
    # Gold P1 on-site: 4 business hours on Mon-Fri 08:00-17:00 New York, from Wed 24 Dec 2026 15:00 local.
    # The same answer whenever it is computed: holidays do not depend on the year the code runs in.
    start = datetime(2026, 12, 24, 20, 0, tzinfo=UTC)
    with time_machine.travel(computed_at, tick=False), tenant_scope(tenant):
        sla = effective_sla(client=sla_setup["client"], priority="P1", has_signed_contract=True, tier="gold")
        due = sla.due_times(start)
        # 2 h on the 24th (15:00-17:00); the 25th is Christmas, then the weekend: 2 h more end Mon 28th 10:00.
        assert due[Metric.ONSITE].astimezone(UTC) == datetime(2026, 12, 28, 15, 0, tzinfo=UTC)
        assert due[Metric.FIRST_RESPONSE].astimezone(UTC) == start + timedelta(minutes=30)
        services.add_closure(
            calendar=sla_setup["office"], day=date(2026, 12, 28), reason="Year-end stocktake"
        )
        sla = effective_sla(client=sla_setup["client"], priority="P1", has_signed_contract=True, tier="gold")
        assert sla.due_times(start)[Metric.ONSITE].astimezone(UTC) == datetime(
            2026, 12, 29, 15, 0, tzinfo=UTC
        )


def test_overlapping_open_hours_are_refused_with_the_engines_reason(tenant):
    with tenant_scope(tenant), pytest.raises(ValidationError) as error:
        services.create_calendar(
            name="Bad", timezone="UTC", weekly_hours={"0": [["08:00", "12:00"], ["11:00", "13:00"]]}
        )
    assert "overlap" in str(error.value.message_dict["weekly_hours"]).lower()


def test_the_priority_matrix_uses_the_tenants_cells_and_the_usual_defaults_elsewhere(tenant):
    with tenant_scope(tenant):
        services.set_priority(impact="low", urgency="high", priority="P2")
        assert priority_for("low", "high") == "P2"
        assert priority_for("high", "high") == "P1"
