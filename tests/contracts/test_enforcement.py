"""Acceptance 4: after a campaign's grace period an unsigned client is basic-triage only, and the effective
SLA says so; before the deadline the grace period applies; a client who signed is unaffected."""

from datetime import date

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from contracts import campaigns
from contracts.models import Agreement, CampaignStatus, ClientStanding
from contracts.selectors import contract_terms, effective_sla_for_client
from contracts.tasks import run_contracts_for_tenant
from service_levels.models import Metric
from tenants.scope import tenant_scope
from tests.contracts.contract_setup import (
    client_with_signers,
    eager_tasks,  # noqa: F401 (fixture)
    service_version,
    sign,
    sla_policies,
    supplement_version,
)
from tests.factories import ClientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

DEADLINE = date(2026, 4, 30)


@pytest.fixture(autouse=True)
def mid_april():
    with time_machine.travel("2026-04-15 15:00Z", tick=False):
        yield


@pytest.fixture
def setup(tenant, django_capture_on_commit_callbacks):
    """A campaign asking Whitaker (who will sign) and Okafor (who will not), deadline 30 April."""
    sla_policies(tenant)
    version = service_version(tenant)
    whitaker, _ = client_with_signers(tenant, "Whitaker Residence", "dana@whitaker.example")
    okafor, _ = client_with_signers(tenant, "Okafor Dental Group", "office@okafor.example")
    with tenant_scope(tenant):
        campaign = campaigns.open_signature_campaign(
            name="2026 agreement", version=version, grace_deadline=DEADLINE, reminder_days=[7],
            message="", created_by=None,
        )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(tenant):
        campaigns.send_campaign(campaign)
    with tenant_scope(tenant):
        signed = Agreement.objects.get(client=whitaker)
    sign(signed, "Dana Whitaker")
    return {"campaign": campaign, "whitaker": whitaker, "okafor": okafor, "version": version}


def sla_of(tenant, client):
    with tenant_scope(tenant):
        return effective_sla_for_client(client=client, priority="P1")


def close(tenant, on: date):
    with time_machine.travel(f"{on.isoformat()} 09:00Z", tick=False), tenant_scope(tenant):
        return campaigns.close_campaigns_past_deadline(on)


def test_before_the_deadline_an_unsigned_client_is_in_its_grace_period_with_the_standard_policy(
    tenant, setup
):
    sla = sla_of(tenant, setup["okafor"])
    assert sla.policy.name == "Standard contract"
    assert "grace period until 30 Apr 2026" in sla.reasons[0]
    with tenant_scope(tenant):
        assert contract_terms(setup["okafor"]).grace_until == DEADLINE


def test_on_the_deadline_day_the_grace_period_still_holds(tenant, setup):
    assert close(tenant, DEADLINE) == []
    assert sla_of(tenant, setup["okafor"]).policy.name == "Standard contract"


def test_after_the_deadline_an_unsigned_client_is_basic_triage_only(tenant, setup):
    closed = close(tenant, date(2026, 5, 1))
    assert [c.pk for c in closed] == [setup["campaign"].pk]
    sla = sla_of(tenant, setup["okafor"])
    assert sla.policy.name == "Basic triage"
    assert sla.reasons[0] == "Okafor Dental Group has no signed service contract: basic triage only."
    assert sla.targets[Metric.FIRST_RESPONSE].duration.total_seconds() == 8 * 3600
    with tenant_scope(tenant):
        standing = ClientStanding.objects.get(client=setup["okafor"])
        assert standing.basic_triage_only
        assert "Did not sign" in standing.reason
        assert contract_terms(setup["okafor"]).basic_triage_only
        setup["campaign"].refresh_from_db()
        assert setup["campaign"].status == CampaignStatus.CLOSED
        agreement = Agreement.objects.get(client=setup["okafor"])
        assert agreement.history.filter(kind="grace_period_ended").count() == 1


def test_a_client_who_signed_is_unaffected(tenant, setup):
    close(tenant, date(2026, 5, 1))
    sla = sla_of(tenant, setup["whitaker"])
    assert sla.policy.name == "Standard contract"
    assert "has a signed contract" in sla.reasons[0]
    with tenant_scope(tenant):
        assert not ClientStanding.objects.filter(client=setup["whitaker"]).exists()


def test_closing_again_changes_nothing_and_keeps_the_first_date(tenant, setup):
    close(tenant, date(2026, 5, 1))
    with tenant_scope(tenant):
        since = ClientStanding.objects.get(client=setup["okafor"]).since
    assert close(tenant, date(2026, 5, 9)) == []
    with tenant_scope(tenant):
        assert ClientStanding.objects.get(client=setup["okafor"]).since == since
        assert (
            Agreement.objects.get(client=setup["okafor"]).history.filter(kind="grace_period_ended").count()
            == 1
        )


def test_a_late_signature_lifts_basic_triage(tenant, setup):
    close(tenant, date(2026, 5, 1))
    with time_machine.travel("2026-05-04 10:00Z", tick=False):
        with tenant_scope(tenant):
            late = Agreement.objects.get(client=setup["okafor"])
        sign(late, "Office Manager")
        assert sla_of(tenant, setup["okafor"]).policy.name == "Standard contract"
        with tenant_scope(tenant):
            assert not ClientStanding.objects.get(client=setup["okafor"]).basic_triage_only


def test_the_daily_task_enforces_the_deadline_in_the_tenants_own_date(tenant, setup):
    # 03:30 UTC on 1 May is still 30 April in New York: not yet.
    with time_machine.travel("2026-05-01 03:30Z", tick=False):
        result = run_contracts_for_tenant.apply(kwargs={"tenant_id": tenant.pk}).get()
    assert result["campaigns_closed"] == 0
    with time_machine.travel("2026-05-01 05:10Z", tick=False):
        result = run_contracts_for_tenant.apply(kwargs={"tenant_id": tenant.pk}).get()
    assert result["campaigns_closed"] == 1
    assert sla_of(tenant, setup["okafor"]).policy.name == "Basic triage"


def test_not_signing_an_amendment_does_not_put_a_signed_client_on_basic_triage(
    tenant, setup, django_capture_on_commit_callbacks
):
    amendment = supplement_version(tenant)
    with tenant_scope(tenant):
        campaign = campaigns.open_signature_campaign(
            name="Amendment", version=amendment, grace_deadline=DEADLINE, reminder_days=[], message="",
            created_by=None,
        )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(tenant):
        campaigns.send_campaign(campaign)
    assert [c.pk for c in close(tenant, date(2026, 5, 1))] == [setup["campaign"].pk, campaign.pk]
    assert sla_of(tenant, setup["whitaker"]).policy.name == "Standard contract"
    with tenant_scope(tenant):
        assert not ClientStanding.objects.filter(client=setup["whitaker"]).exists()


def banner_html(tenant, client):
    with tenant_scope(tenant):
        return render_to_string(
            "contracts/includes/client_contract_banner.html",
            {"banner": campaigns.client_contract_banner(client), "client": client},
        )


def test_staff_see_the_standing_in_the_client_banner(tenant, setup):
    assert "In grace period until 30 Apr 2026" in banner_html(tenant, setup["okafor"])
    assert "Signed: Service Agreement v1, ends 14 Apr 2027" in banner_html(tenant, setup["whitaker"])
    close(tenant, date(2026, 5, 1))
    assert "Basic triage only since 1 May 2026" in banner_html(tenant, setup["okafor"])


def test_the_client_page_shows_the_contract_standing_from_contracts(staff_client, tenant, setup):
    def client_page(client):
        return staff_client.get(reverse("clients:detail", args=[client.pk])).content.decode()

    assert "In grace period until 30 Apr 2026" in client_page(setup["okafor"])
    newcomer = ClientFactory(tenant=tenant, name="Newcomer Lofts")
    page = client_page(newcomer)
    assert 'data-contract-banner="unsigned"' in page
    assert f"{reverse('contracts:agreement_create')}?client={newcomer.pk}" in page  # the owner may send one
