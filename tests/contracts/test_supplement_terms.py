"""A signed supplement amends the terms it carries (coverage rules, rates, billing terms, the plan behind the
SLA) from its start, term by term, later supplements winning; every term says which document it came from
(contracts.selectors.contract_terms), and so do the covered-or-billable decisions of tickets.log_time."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from contracts import agreements
from contracts.selectors import contract_terms, effective_sla_for_client
from tenants.scope import tenant_scope
from tests.contracts.contract_setup import sla_policies
from tests.factories import ClientFactory, ContractVersionFactory, StaffMembershipFactory
from tickets import services as tickets

pytestmark = pytest.mark.django_db

SIGNED_ON = date(2026, 3, 2)
AMENDED_ON = date(2026, 9, 1)
AGREEMENT_RULES = [
    {"category": "", "work_type": "remote_support", "covered": True, "note": "Remote triage"},
    {"category": "", "work_type": "travel", "covered": False, "note": ""},
]
AMENDED_RULES = [
    {"category": "", "work_type": "travel", "covered": True, "note": "Travel is now included"},
    {"category": "", "work_type": "remote_support", "covered": True, "note": "Remote triage"},
]


def _signed(tenant, client, version, *, parent=None, on):
    with time_machine.travel(f"{on.isoformat()} 15:00Z", tick=False), tenant_scope(tenant):
        agreement = agreements.create_agreement(client=client, version=version, actor="owner", parent=parent)
        agreements.mark_sent(agreement, actor="owner")
        signed = agreements.mark_signed(agreement, actor="Dana Whitaker")
    signed.client = client  # read outside the tenant's scope below
    return signed


@pytest.fixture
def parent(tenant):
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")
    version = ContractVersionFactory(
        published=True, template__tenant=tenant, title="Service Agreement", number=1,
        coverage=AGREEMENT_RULES, hourly_rate_remote="120.00", hourly_rate_onsite="160.00",
        after_hours_multiplier="1.50", billing_terms="Invoiced monthly.",
    )  # fmt: skip
    return _signed(tenant, client, version, on=SIGNED_ON)


def supplement_version(tenant, *, title="Travel and rates", **fields):
    content = {"coverage": [], "hourly_rate_remote": "0", "hourly_rate_onsite": "0", "billing_terms": ""}
    return ContractVersionFactory(
        published=True, template__tenant=tenant, template__name=title, template__kind="supplement",
        title=title, number=1, **(content | fields),
    )  # fmt: skip


@pytest.fixture
def supplement(tenant, parent):
    version = supplement_version(
        tenant, coverage=AMENDED_RULES, hourly_rate_onsite="190.00", after_hours_multiplier="2.00"
    )
    return _signed(tenant, parent.client, version, parent=parent, on=AMENDED_ON)


def test_a_signed_supplement_amends_the_terms_it_carries_from_its_start(tenant, parent, supplement):
    with tenant_scope(tenant):
        before = contract_terms(parent.client, on=date(2026, 8, 31))
        after = contract_terms(parent.client, on=AMENDED_ON)

    assert (before.hourly_rate_onsite, before.coverage) == (Decimal("160.00"), tuple(AGREEMENT_RULES))
    assert str(before.source_of("coverage")) == "Service Agreement v1"
    assert after.agreement == parent
    assert (after.hourly_rate_onsite, after.after_hours_multiplier) == (Decimal("190.00"), Decimal("2.00"))
    assert after.coverage == tuple(AMENDED_RULES)
    assert after.source_of("coverage").agreement_id == supplement.pk
    assert str(after.source_of("hourly_rate_onsite")) == "Travel and rates v1"
    # A term the supplement does not carry stays the agreement's.
    assert (after.hourly_rate_remote, after.billing_terms) == (Decimal("120.00"), "Invoiced monthly.")
    assert after.source_of("hourly_rate_remote").agreement_id == parent.pk
    assert [label for label, _ in after.amended_terms] == [
        "What is covered", "On-site hourly rate", "After-hours multiplier",
    ]  # fmt: skip


def test_a_later_supplement_wins_term_by_term(tenant, parent, supplement):
    later = supplement_version(tenant, title="Remote rate 2027", hourly_rate_remote="130.00")
    second = _signed(tenant, parent.client, later, parent=parent, on=date(2026, 10, 1))

    with tenant_scope(tenant):
        terms = contract_terms(parent.client, on=date(2026, 10, 2))

    assert (terms.hourly_rate_remote, terms.hourly_rate_onsite) == (Decimal("130.00"), Decimal("190.00"))
    assert terms.source_of("hourly_rate_remote").agreement_id == second.pk
    assert terms.source_of("coverage").agreement_id == supplement.pk


def test_a_signed_supplement_ends_with_the_agreement_it_amends(parent, supplement):
    assert (supplement.starts_on, supplement.ends_on) == (AMENDED_ON, parent.ends_on)


def test_work_after_a_supplement_is_decided_by_its_rules_and_names_it(tenant, parent, supplement):
    technician = StaffMembershipFactory(tenant=tenant, cost_rate=Decimal("40.00")).user
    with time_machine.travel("2026-09-15 15:00Z", tick=False), tenant_scope(tenant):
        ticket = tickets.open_ticket(client=parent.client, title="Rack fault")
        before = tickets.log_time(
            ticket, technician=technician, work_type="travel", minutes=30, location="on_site",
            worked_on=date(2026, 8, 20),
        )  # fmt: skip
        after = tickets.log_time(
            ticket, technician=technician, work_type="travel", minutes=30, location="on_site",
            worked_on=date(2026, 9, 15),
        )  # fmt: skip
        billable = tickets.log_time(
            ticket, technician=technician, work_type="repair", minutes=60, location="on_site",
            worked_on=date(2026, 9, 15),
        )  # fmt: skip

    assert (before.covered, before.bill_rate, before.coverage_source_id) == (
        False,
        Decimal("160.00"),
        parent.pk,
    )
    assert "Service Agreement v1" in before.coverage_reason
    assert (after.covered, after.coverage_source_id) == (True, supplement.pk)
    assert after.coverage_reason.startswith(
        "Travel is covered by Travel and rates v1 (Travel is now included)."
    )
    assert (billable.covered, billable.bill_rate) == (False, Decimal("190.00"))
    assert "Travel and rates v1" in billable.coverage_reason


def test_the_effective_sla_says_which_document_it_comes_from(tenant, parent):
    sla_policies(tenant)
    with tenant_scope(tenant):
        effective = effective_sla_for_client(client=parent.client, priority="P1")

    assert effective.source == "Service Agreement v1"


def test_a_supplements_page_names_it_a_supplement_once(tenant, parent, supplement, staff_client):
    titled = supplement_version(tenant, title="Supplement: Response-time schedule")
    amendment = _signed(tenant, parent.client, titled, parent=parent, on=date(2026, 10, 1))

    page = staff_client.get(reverse("contracts:agreement_detail", args=[amendment.pk])).content.decode()
    plain = staff_client.get(reverse("contracts:agreement_detail", args=[supplement.pk])).content.decode()

    assert "Supplement: Supplement:" not in page
    assert "Supplement: Response-time schedule" in page
    assert "Supplement: Travel and rates" in plain
