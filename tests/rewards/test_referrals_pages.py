"""Staff pages of referrals: the pipeline with suggestions, recording a referral (with clear errors),
working it through to a client, introductions and their outcome, prospects, profiles, the program's
settings; permissions, and another tenant's ids are a 404."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from rewards.models import (
    Introduction,
    IntroductionStatus,
    Prospect,
    Referral,
    ReferralProfile,
    ReferralStatus,
)
from rewards.referrals import (
    propose_introduction,
    record_prospect,
    refer_prospect,
    save_profile,
    update_referral_program,
)
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def program(tenant):
    with tenant_scope(tenant):
        return update_referral_program(credit_amount=Decimal("250"), is_active=True)


def text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def harbor(tenant):
    with tenant_scope(tenant):
        client = ClientFactory(tenant=tenant, name="Harbor Dental")
        save_profile(client, actor="owner", industry="Dental practice", needs="bookkeeping", area="Portland")
        return client


@pytest.fixture
def ledger(tenant):
    with tenant_scope(tenant):
        client = ClientFactory(tenant=tenant, name="Ledger & Co")
        save_profile(
            client,
            actor="owner",
            industry="Accounting",
            sells="bookkeeping",
            target_customers="dental practices",
            area="Portland",
        )
        return client


def test_the_pipeline_shows_referrals_introductions_suggestions_and_prospects(
    staff_client, tenant, harbor, ledger
):
    with tenant_scope(tenant):
        refer_prospect(
            referrer=harbor, name="Maya Chen", email="maya@chen.example", source="portal", actor="x"
        )
        record_prospect(name="Ivo Petrov", company="Petrov Law", industry="Law firm", needs="IT support")
        propose_introduction(client=ledger, to_client=harbor, reason="Books for dentists", actor="owner")
    page = text(staff_client.get(reverse("rewards:referrals")))
    assert "Maya Chen" in page
    assert "Harbor Dental" in page
    assert "Ivo Petrov" in page
    assert "Petrov Law" in page
    assert "Books for dentists" in page
    assert "Proposed" in page
    # Ledger -> Harbor is proposed already, so it is no longer suggested.
    assert "Introduce Ledger & Co to Harbor Dental" not in page


def test_suggestions_explain_themselves_and_prefill_the_proposal(staff_client, harbor, ledger):
    page = text(staff_client.get(reverse("rewards:referrals")))
    assert "Introduce Ledger & Co to Harbor Dental" in page
    assert "Harbor Dental needs bookkeeping, which Ledger & Co sells" in page
    form = staff_client.get(
        reverse("rewards:introduction_new"), {"client": ledger.pk, "to_client": harbor.pk}
    )
    assert f'<option value="{ledger.pk}" selected>' in form.content.decode()


def test_the_list_filters_in_place(staff_client, tenant, harbor):
    with tenant_scope(tenant):
        refer_prospect(
            referrer=harbor, name="Maya Chen", email="maya@chen.example", source="staff", actor="x"
        )
        lost = refer_prospect(
            referrer=harbor, name="Sam Ortiz", email="s@o.example", source="staff", actor="x"
        )
        lost.status = ReferralStatus.LOST
        lost.save()
    response = staff_client.get(reverse("rewards:referrals"), {"status": "open"}, HTTP_HX_REQUEST="true")
    assert "Maya Chen" in text(response)
    assert "Sam Ortiz" not in text(response)
    assert "<html" not in response.content.decode()


def test_recording_a_referral_with_errors_keeps_what_was_typed(staff_client, harbor):
    response = staff_client.post(
        reverse("rewards:referral_new"), {"referrer": harbor.pk, "name": "Maya Chen", "company": "Chen Ortho"}
    )
    assert response.status_code == 400
    assert "Give an email address or a phone number" in text(response)
    assert 'value="Chen Ortho"' in response.content.decode()


def test_a_referral_is_worked_from_contacted_to_a_new_client(staff_client, tenant, harbor):
    response = staff_client.post(
        reverse("rewards:referral_new"),
        {"referrer": harbor.pk, "name": "Maya Chen", "email": "maya@chen.example"},
    )
    with tenant_scope(tenant):
        referral = Referral.objects.get()
    assert response.url == reverse("rewards:referral_detail", args=[referral.pk])
    staff_client.post(reverse("rewards:referral_contacted", args=[referral.pk]))
    staff_client.post(reverse("rewards:referral_client", args=[referral.pk]))
    page = text(staff_client.get(reverse("rewards:referral_detail", args=[referral.pk])))
    assert "Contacted" in page
    assert "Became Maya Chen" in page
    assert "$250.00 when Maya Chen signs their first agreement" in page


def test_linking_the_referrer_itself_shows_the_error_on_the_form(staff_client, tenant, harbor):
    with tenant_scope(tenant):
        referral = refer_prospect(
            referrer=harbor, name="Maya", email="m@c.example", source="staff", actor="x"
        )
        other = ClientFactory(tenant=tenant, name="Other")
    response = staff_client.post(reverse("rewards:referral_link", args=[referral.pk]), {"client": harbor.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)  # the referrer is not among the choices
    response = staff_client.post(reverse("rewards:referral_lost", args=[referral.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "This field is required" in text(response)
    assert (
        staff_client.post(
            reverse("rewards:referral_link", args=[referral.pk]), {"client": other.pk}
        ).status_code
        == 302
    )


def test_an_introduction_moves_to_won_with_the_value(staff_client, tenant, harbor, ledger):
    response = staff_client.post(
        reverse("rewards:introduction_new"), {"client": ledger.pk, "to_client": harbor.pk, "reason": "Books"}
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        introduction = Introduction.objects.get()
    url = reverse("rewards:introduction_detail", args=[introduction.pk])
    assert staff_client.post(url, {"status": "introduced"}).status_code == 302
    response = staff_client.post(url, {"status": "lost", "value": "100"})
    assert response.status_code == 400
    assert "Only business won has a value" in text(response)
    staff_client.post(url, {"status": "won", "value": "4800"})
    with tenant_scope(tenant):
        introduction.refresh_from_db()
    assert (introduction.status, introduction.value) == (IntroductionStatus.WON, Decimal("4800.00"))
    assert "already won" in text(staff_client.post(url, {"status": "lost"}))


def test_an_introduction_needs_exactly_one_other_side(staff_client, harbor, ledger):
    response = staff_client.post(reverse("rewards:introduction_new"), {"client": ledger.pk, "reason": "x"})
    assert response.status_code == 400
    assert "Choose one client or one prospect" in text(response)


def test_prospects_and_profiles_are_edited_on_their_pages(staff_client, tenant, harbor):
    response = staff_client.post(
        reverse("rewards:prospect_new"), {"name": "Ivo Petrov", "met_on": "2026-11-02", "needs": "Wi-Fi"}
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        prospect = Prospect.objects.get()
    assert prospect.met_by is not None
    staff_client.post(
        reverse("rewards:prospect_detail", args=[prospect.pk]),
        {"name": "Ivo Petrov", "met_on": "2026-11-02", "company": "Petrov Law"},
    )
    staff_client.post(
        reverse("rewards:referral_profile", args=[harbor.pk]),
        {"industry": "Dentistry", "area": "Salem", "open_to_introductions": ""},
    )
    with tenant_scope(tenant):
        prospect.refresh_from_db()
        profile = ReferralProfile.objects.get(client=harbor)
    assert prospect.company == "Petrov Law"
    assert (profile.industry, profile.area, profile.open_to_introductions) == ("Dentistry", "Salem", False)
    page = text(staff_client.get(reverse("clients:detail", args=[harbor.pk])))
    assert "Referrals" in page
    assert "Dentistry" in page
    assert "Not open to introductions" in page


def test_only_managers_set_the_program_and_read_only_staff_only_look(client, tenant, login_as, harbor):
    login_as(tenant, Role.READ_ONLY)
    assert client.get(reverse("rewards:referrals")).status_code == 200
    assert client.get(reverse("rewards:referral_new")).status_code == 403
    login_as(tenant, Role.TECHNICIAN)
    assert client.get(reverse("rewards:referral_new")).status_code == 200
    assert client.get(reverse("rewards:referral_settings")).status_code == 403
    login_as(tenant, Role.MANAGER)
    response = client.post(reverse("rewards:referral_settings"), {"is_active": "on", "credit_amount": "0"})
    assert response.status_code == 400
    assert "above zero" in text(response)
    client.post(reverse("rewards:referral_settings"), {"is_active": "on", "credit_amount": "300"})
    assert "$300.00 of credit" in text(client.get(reverse("rewards:referrals")))


def test_another_tenants_referral_prospect_introduction_and_client_are_not_found(
    client, tenant, other_tenant, login_as, harbor, ledger
):
    with tenant_scope(tenant):
        referral = refer_prospect(
            referrer=harbor, name="Maya", email="m@c.example", source="staff", actor="x"
        )
        prospect = record_prospect(name="Ivo Petrov")
        introduction = propose_introduction(client=ledger, to_client=harbor, reason="x", actor="x")
    login_as(other_tenant, Role.OWNER)
    for url in (
        reverse("rewards:referral_detail", args=[referral.pk]),
        reverse("rewards:prospect_detail", args=[prospect.pk]),
        reverse("rewards:introduction_detail", args=[introduction.pk]),
        reverse("rewards:referral_profile", args=[harbor.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("rewards:referral_contacted", args=[referral.pk])).status_code == 404
    assert client.post(reverse("rewards:referral_client", args=[referral.pk])).status_code == 404
    page = text(client.get(reverse("rewards:referrals")))
    assert "Maya" not in page
    assert "Ivo Petrov" not in page
    with tenant_scope(tenant):
        assert Referral.objects.get().status == ReferralStatus.NEW
