"""Partner API of referrals: list, record (Idempotency-Key, clear errors), move along to a client that
signs (credited once), the program's settings, scopes, and another tenant's referral is a 404."""

from decimal import Decimal

import pytest

from contracts import agreements
from rewards.models import Referral, Reward
from rewards.referrals import refer_prospect, update_referral_program
from tenants.scope import tenant_scope
from tests.api.conftest import api_client, check_error
from tests.factories import AgreementFactory, ClientFactory, api_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def program(tenant):
    with tenant_scope(tenant):
        return update_referral_program(credit_amount=Decimal("250"), is_active=True)


@pytest.fixture
def writer(tenant):
    return api_client(api_key_for(tenant, ["read", "write"], name="CRM sync")[1])


@pytest.fixture
def reader(tenant):
    return api_client(api_key_for(tenant, ["read"], name="Dashboard")[1])


@pytest.fixture
def harbor(tenant):
    with tenant_scope(tenant):
        return ClientFactory(tenant=tenant, name="Harbor Dental")


def test_a_referral_is_recorded_once_per_idempotency_key(writer, tenant, harbor):
    body = {"referrer": harbor.pk, "name": "Maya Chen", "email": "maya@chen.example", "company": "Chen Ortho"}
    first = writer.post("/api/v1/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="ref-1")
    again = writer.post("/api/v1/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="ref-1")
    assert first.status_code == 201, first.content
    assert again.json() == first.json()
    data = first.json()
    assert (data["referrer_name"], data["status"], data["source"], data["credit"]) == (
        "Harbor Dental",
        "new",
        "staff",
        None,
    )
    with tenant_scope(tenant):
        assert Referral.objects.count() == 1


def test_bad_input_gets_a_clear_error(writer, harbor, other_tenant):
    response = writer.post("/api/v1/referrals/", {"referrer": harbor.pk, "name": "Maya"}, format="json")
    assert check_error(response, 400)["errors"][0]["attr"] == "email"
    with tenant_scope(other_tenant):
        theirs = ClientFactory(tenant=other_tenant)
    response = writer.post(
        "/api/v1/referrals/", {"referrer": theirs.pk, "name": "M", "email": "m@x.example"}, format="json"
    )
    assert check_error(response, 400)["errors"][0]["attr"] == "referrer"


def test_a_referral_linked_to_a_client_that_signs_is_credited_once(writer, reader, tenant, harbor):
    with tenant_scope(tenant):
        referral = refer_prospect(
            referrer=harbor, name="Maya", email="m@c.example", source="staff", actor="x"
        )
        chen = ClientFactory(tenant=tenant, name="Chen Ortho")
        agreements.mark_signed(AgreementFactory(client=chen, status="sent"), actor="Maya")
    assert (
        writer.patch(f"/api/v1/referrals/{referral.pk}/", {"status": "contacted"}, format="json").status_code
        == 200
    )
    response = writer.patch(f"/api/v1/referrals/{referral.pk}/", {"client": chen.pk}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["credit"]) == ("signed", "250.00")
    response = writer.patch(
        f"/api/v1/referrals/{referral.pk}/", {"status": "lost", "lost_reason": "x"}, format="json"
    )
    assert "signed" in check_error(response, 400)["errors"][0]["detail"]
    with tenant_scope(tenant):
        assert Reward.objects.filter(client=harbor).count() == 1
    listed = reader.get("/api/v1/referrals/", {"status": "signed"}).json()["results"]
    assert [row["id"] for row in listed] == [referral.pk]


def test_the_program_is_read_by_any_key_and_set_by_a_writer(writer, reader):
    assert reader.get("/api/v1/reward-programs/referrals/").json()["credit_amount"] == "250.00"
    check_error(
        reader.put("/api/v1/reward-programs/referrals/", {"credit_amount": "300"}, format="json"), 403
    )
    response = writer.put(
        "/api/v1/reward-programs/referrals/", {"credit_amount": "300", "is_active": True}, format="json"
    )
    assert response.json()["credit_amount"] == "300.00"
    check_error(writer.put("/api/v1/reward-programs/referrals/", {"credit_amount": "0"}, format="json"), 400)
    assert Decimal(reader.get("/api/v1/reward-programs/referrals/").json()["credit_amount"]) == 300
    response = writer.patch("/api/v1/reward-programs/referrals/", {"is_active": False}, format="json")
    assert response.json()["is_active"] is False
    assert response.json()["credit_amount"] == "300.00"


def test_a_reader_cannot_record_and_another_tenant_gets_a_404(reader, tenant, other_tenant, harbor):
    check_error(
        reader.post(
            "/api/v1/referrals/", {"referrer": harbor.pk, "name": "M", "email": "m@x.example"}, format="json"
        ),
        403,
    )
    with tenant_scope(tenant):
        referral = refer_prospect(
            referrer=harbor, name="Maya", email="m@c.example", source="staff", actor="x"
        )
    theirs = api_client(api_key_for(other_tenant, ["read", "write"])[1])
    check_error(theirs.get(f"/api/v1/referrals/{referral.pk}/"), 404)
    check_error(
        theirs.patch(f"/api/v1/referrals/{referral.pk}/", {"status": "contacted"}, format="json"), 404
    )
    assert theirs.get("/api/v1/referrals/").json()["results"] == []
