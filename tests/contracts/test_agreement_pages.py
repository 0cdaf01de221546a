"""Staff pages of agreements, signing campaigns and renewals."""

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from contracts import agreements, campaigns
from contracts.models import Agreement, AgreementStatus, Campaign, CampaignStatus
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.contracts.contract_setup import (
    client_with_signers,
    eager_tasks,  # noqa: F401 (fixture)
    service_version,
    sign,
    signed_agreement,
)
from tests.factories import ClientFactory, PlanFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture(autouse=True)
def early_march():
    with time_machine.travel("2026-03-02 14:00Z", tick=False):
        yield


@pytest.fixture
def version(tenant):
    return service_version(tenant, title="Northwind Service Agreement")


@pytest.fixture
def book(tenant, version):
    """Lindqvist signed (Gold, $300/month); Whitaker was sent one and declined; Okafor has a draft."""
    lindqvist, _ = client_with_signers(tenant, "Lindqvist Penthouse", "eva@lindqvist.example")
    signed = signed_agreement(tenant, lindqvist, version, tier="gold", monthly_fee=300)
    whitaker, _ = client_with_signers(tenant, "Whitaker Residence", "dana@whitaker.example")
    okafor, _ = client_with_signers(tenant, "Okafor Dental Group", "office@okafor.example")
    with tenant_scope(tenant):
        declined = agreements.create_agreement(client=whitaker, version=version, actor="owner@example.com")
        agreements.mark_sent(declined, actor="owner@example.com", to="dana@whitaker.example")
        agreements.decline(declined, actor="Dana Whitaker", reason="The on-site rate is too high")
        draft = agreements.create_agreement(client=okafor, version=version, actor="owner@example.com")
    return {"signed": signed, "declined": declined, "draft": draft, "whitaker": whitaker, "okafor": okafor}


def no_inline_script_or_style(html: str) -> bool:
    return not re.search(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", html)


def test_the_agreement_list_filters_by_status_and_answers_htmx_with_the_rows_only(staff_client, book):
    page = staff_client.get(reverse("contracts:agreement_list")).content.decode()
    assert all(name in page for name in ("Lindqvist Penthouse", "Whitaker Residence", "Okafor Dental Group"))
    assert no_inline_script_or_style(page)
    response = staff_client.get(
        reverse("contracts:agreement_list"), {"status": "declined"}, HTTP_HX_REQUEST="true"
    )
    rows = response.content.decode()
    assert "Whitaker Residence" in rows
    assert "Lindqvist Penthouse" not in rows
    assert "<html" not in rows
    assert "1 agreement" in rows


def test_an_empty_agreement_list_says_what_to_do_next(staff_client):
    page = staff_client.get(reverse("contracts:agreement_list")).content.decode()
    assert "No agreements yet." in page
    assert "Start a signing campaign" in page


def test_the_agreement_page_shows_its_history_and_why_it_was_declined(staff_client, book):
    page = staff_client.get(
        reverse("contracts:agreement_detail", args=[book["declined"].pk])
    ).content.decode()
    assert "“The on-site rate is too high”" in page
    for label in ("Created as a draft", "Sent for signature", "Declined"):
        assert label in page
    assert "times in America/New_York" in page
    assert "Send the link again" in page
    assert no_inline_script_or_style(page)


def test_sending_a_draft_emails_the_signer_a_link(staff_client, book, tenant):
    response = staff_client.post(reverse("contracts:agreement_send", args=[book["draft"].pk]))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["office@okafor.example"]]
    with tenant_scope(tenant):
        assert Agreement.objects.get(pk=book["draft"].pk).status == AgreementStatus.SENT


def test_a_manager_cancels_an_agreement_but_a_technician_may_only_look(client, login_as, tenant, book):
    login_as(tenant, Role.TECHNICIAN)
    assert client.get(reverse("contracts:agreement_detail", args=[book["draft"].pk])).status_code == 200
    url = reverse("contracts:agreement_cancel", args=[book["draft"].pk])
    assert client.post(url).status_code == 403
    login_as(tenant, Role.MANAGER)
    assert client.post(url, {"reason": "Client moved away"}).status_code == 302
    with tenant_scope(tenant):
        cancelled = Agreement.objects.get(pk=book["draft"].pk)
        assert cancelled.status == AgreementStatus.CANCELLED
        assert cancelled.history.last().details["reason"] == "Client moved away"


def test_a_supplement_shows_on_its_parent_agreement(staff_client, book, tenant):
    from tests.contracts.contract_setup import supplement_version

    amendment = supplement_version(tenant)
    with tenant_scope(tenant):
        agreements.create_agreement(
            client=book["signed"].client, version=amendment, actor="owner@example.com", parent=book["signed"]
        )
    page = staff_client.get(reverse("contracts:agreement_detail", args=[book["signed"].pk])).content.decode()
    assert "Amendment: response-time schedule" in page


def test_the_campaign_form_defaults_to_unsigned_clients_and_sends_at_once(
    staff_client, tenant, version, book, django_capture_on_commit_callbacks
):
    ClientFactory(tenant=tenant, name="Moreau Lake House")  # no signer
    page = staff_client.get(reverse("contracts:campaign_create")).content.decode()
    assert "Everyone who should sign it" in page
    assert 'value="2026-04-01"' in page  # deadline defaults to 30 days on
    assert no_inline_script_or_style(page)
    form = {
        "name": "2026 agreement", "version": version.pk, "audience": "default",
        "grace_deadline": "2026-03-31", "reminder_days": "7, 3, 1", "message": "Questions? Call Jordan.",
        "send": "1",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("contracts:campaign_create"), form, follow=True)
    page = response.content.decode()
    with tenant_scope(tenant):
        campaign = Campaign.objects.get()
    assert response.redirect_chain[-1][0] == reverse("contracts:campaign_detail", args=[campaign.pk])
    assert campaign.reminder_days == [7, 3, 1]
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@whitaker.example", "office@okafor.example"]
    assert "1 client could not be asked: Moreau Lake House" in page
    assert 'hx-trigger="every 5s"' in page
    assert campaign.status == CampaignStatus.OPEN


def test_the_campaign_form_keeps_what_was_typed_when_the_deadline_is_past(staff_client, version, book):
    response = staff_client.post(
        reverse("contracts:campaign_create"),
        {"name": "Late", "version": version.pk, "audience": "default", "grace_deadline": "2026-03-01",
         "reminder_days": "7", "message": "Keep me"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "The deadline must be after today" in page
    assert "Keep me" in page


def test_the_campaign_page_shows_live_progress_and_the_coverage_kpi(
    staff_client, tenant, version, book, django_capture_on_commit_callbacks
):
    with tenant_scope(tenant):
        campaign = campaigns.open_signature_campaign(
            name="2026 agreement", version=version, grace_deadline=date(2026, 3, 31), reminder_days=[7],
            message="", created_by=None,
        )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(tenant):
        campaigns.send_campaign(campaign)
    page = staff_client.get(reverse("contracts:campaign_detail", args=[campaign.pk])).content.decode()
    assert 'hx-get="{}"'.format(reverse("contracts:campaign_progress", args=[campaign.pk])) in page
    assert "<span data-coverage-percent>33%</span>" in page  # 1 of 3 clients signed
    assert no_inline_script_or_style(page)
    with tenant_scope(tenant):
        whitaker = Agreement.objects.get(client=book["whitaker"])
    sign(whitaker, "Dana Whitaker")
    fragment = staff_client.get(
        reverse("contracts:campaign_progress", args=[campaign.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in fragment
    assert 'id="campaign-progress"' in fragment
    assert '<span data-count="signed">1</span>' in fragment
    assert '<td><span class="badge text-bg-success">Signed</span></td>' in fragment  # Whitaker's row
    assert "<span data-coverage-percent>67%</span>" in fragment


def test_a_closed_campaign_stops_polling(staff_client, tenant, version, book):
    with tenant_scope(tenant):
        campaign = campaigns.open_signature_campaign(
            name="Old", version=version, grace_deadline=date(2026, 3, 10), reminder_days=[], message="",
            created_by=None,
        )  # fmt: skip
        Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.OPEN)
    with time_machine.travel("2026-03-11 12:00Z", tick=False), tenant_scope(tenant):
        campaigns.close_campaigns_past_deadline()
    page = staff_client.get(reverse("contracts:campaign_detail", args=[campaign.pk])).content.decode()
    assert "every 5s" not in page
    assert "basic triage only until they sign" in page


def test_the_campaign_list_shows_each_campaign_and_coverage(staff_client, tenant, version, book):
    assert (
        "No signing campaigns yet." in staff_client.get(reverse("contracts:campaign_list")).content.decode()
    )
    with tenant_scope(tenant):
        campaigns.open_signature_campaign(
            name="2026 agreement", version=version, grace_deadline=date(2026, 3, 31), reminder_days=[],
            message="", created_by=None,
        )  # fmt: skip
    page = staff_client.get(reverse("contracts:campaign_list")).content.decode()
    assert "2026 agreement" in page
    assert "Clients with a signed contract" in page


def test_the_renewal_pipeline_shows_the_monthly_fees_at_stake_per_bucket(staff_client, tenant, version, book):
    moreau, _ = client_with_signers(tenant, "Moreau Lake House", "luc@moreau.example")
    with tenant_scope(tenant):
        ending = agreements.create_agreement(
            client=moreau, version=version, actor="owner@example.com", starts_on=date(2025, 3, 20),
            plan=PlanFactory(tenant=tenant, key="gold"), plan_price=Decimal("300.00"),
        )  # fmt: skip
        agreements.mark_sent(ending, actor="owner@example.com")
        agreements.mark_signed(ending, actor="Luc Moreau")  # ends 19 March 2026
    page = staff_client.get(reverse("contracts:renewals")).content.decode()
    assert re.search(r'data-bucket-total="30">\$300\.00<', page)
    assert "Moreau Lake House" in page
    assert "in 17 days" in page
    assert '<span class="badge text-bg-primary">Auto-renews</span>' in page
    assert no_inline_script_or_style(page)


def test_read_only_staff_see_the_pages_without_the_buttons(client, login_as, tenant, book):
    login_as(tenant, Role.READ_ONLY)
    page = client.get(reverse("contracts:agreement_list")).content.decode()
    assert "New agreement" not in page
    assert client.get(reverse("contracts:campaign_create")).status_code == 403


def test_a_single_agreement_is_created_from_the_client_and_sent_for_signature(
    staff_client, tenant, version, book
):
    page = staff_client.get(
        reverse("contracts:agreement_create"), {"client": book["okafor"].pk}
    ).content.decode()
    assert f'<option value="{book["okafor"].pk}" selected>' in page
    assert "Agreed tier price (USD)" in page
    response = staff_client.post(
        reverse("contracts:agreement_create"),
        {
            "client": book["okafor"].pk,
            "version": version.pk,
            "plan": "",
            "billing_cycle": "monthly",
            "send": "1",
        },
    )
    with tenant_scope(tenant):
        created = Agreement.objects.filter(client=book["okafor"]).order_by("-pk").first()
    assert response.url == reverse("contracts:agreement_detail", args=[created.pk])
    assert created.status == AgreementStatus.SENT
    assert [m.to for m in mail.outbox] == [["office@okafor.example"]]
