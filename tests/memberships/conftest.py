"""A company selling memberships, frozen on Tuesday 10 March 2026 (10:00 in New York): Silver, Gold and
Platinum tiers and the Premium Response rider, each granting the SLA policy of its key (first response
P1: standard 60 min, Silver 45, Gold 30, Platinum 15, Premium Response 10), and the Whitakers, whose
service contract is signed and who have held Gold, billed monthly from 1 March, since then."""

from types import SimpleNamespace

import pytest
import time_machine

from tests.factories import AgreementFactory, ClientFactory, PlanFactory, give_membership
from tests.memberships.membership_setup import MEMBER_SINCE, NOW, sla_for_plans


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def policies(tenant):
    return sla_for_plans(tenant)


@pytest.fixture
def plans(tenant, policies):
    return SimpleNamespace(
        silver=PlanFactory(tenant=tenant, key="silver"),
        gold=PlanFactory(tenant=tenant, key="gold"),
        platinum=PlanFactory(tenant=tenant, key="platinum"),
        premium=PlanFactory(tenant=tenant, key="premium-response"),
    )


@pytest.fixture
def contract(tenant, plans):
    """The Whitakers' signed service contract, in force since 8 February 2026."""
    return AgreementFactory(client=ClientFactory(tenant=tenant, name="Whitaker Residence"))


@pytest.fixture
def whitaker(contract):
    return contract.client


@pytest.fixture
def member(contract):
    """The Whitakers' membership: Gold, monthly, from 1 March (periods start on the 1st)."""
    return give_membership(contract, tier="gold", started_on=MEMBER_SINCE)
