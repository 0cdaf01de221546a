"""Partner API of rewards: list (filters, cursor pages), get, grant by hand (Idempotency-Key), deliver and
withdraw; the one error format, scopes, and another tenant's reward or client is a 404. The schema
documents every operation. The reward.granted webhook carries the reward as the API shows it."""

from datetime import timedelta
from decimal import Decimal

import pytest

from billing.models import CreditEntry
from events.dispatch import dispatch_until_idle
from events.models import OutboxEvent
from rewards.models import Program, Reward, RewardKind, RewardStatus
from rewards.services import grant_reward
from tenants.localtime import tenant_today
from tenants.scope import tenant_scope
from tests.api.conftest import api_client, check_error
from tests.factories import ClientFactory, WebhookEndpointFactory, api_key_for
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(tenant):
    return api_client(api_key_for(tenant, ["read", "write"], name="Loyalty sync")[1])


@pytest.fixture
def reader(tenant):
    return api_client(api_key_for(tenant, ["read"], name="Dashboard")[1])


@pytest.fixture
def household(tenant):
    return ClientFactory(tenant=tenant, name="Whitaker Residence")


def grant(client, key, *, kind=RewardKind.CREDIT, value="20.00", program=Program.UTILIZATION, on=None):
    with tenant_scope(client.tenant):
        return grant_reward(
            client,
            program=program,
            key=key,
            kind=kind,
            title=f"Reward {key}",
            reason=f"Because of {key}",
            value=Decimal(value),
            actor="rewards run",
            on=on,
        ).reward


def gift(client, key="year-1"):
    return grant(client, key, kind=RewardKind.GIFT, value="45.00", program=Program.ANNIVERSARY)


CREDIT = {
    "program": "referral",
    "kind": "credit",
    "title": "$50 off your next invoice",
    "reason": "You introduced us to Harbor Dental",
    "value": "50.00",
}


def test_staff_grant_credit_by_hand_and_read_it_back(writer, reader, tenant, household):
    response = writer.post("/api/v1/rewards/", {**CREDIT, "client": household.pk}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["client"], body["client_name"], body["program"], body["kind"]) == (
        household.pk,
        "Whitaker Residence",
        "referral",
        "credit",
    )
    assert (body["status"], body["value"], body["currency"], body["credit_spent"]) == (
        "granted",
        "50.00",
        "USD",
        "0.00",
    )
    assert body["key"].startswith("manual-")
    assert body["actor"].startswith("API key")
    assert reader.get(f"/api/v1/rewards/{body['id']}/").json() == body
    with tenant_scope(tenant):
        assert CreditEntry.objects.get(client=household).amount == Decimal("50.00")


def test_a_retried_grant_with_the_same_idempotency_key_grants_once(writer, tenant, household):
    payload = {**CREDIT, "client": household.pk}
    first = writer.post("/api/v1/rewards/", payload, format="json", HTTP_IDEMPOTENCY_KEY="grant-1")
    again = writer.post("/api/v1/rewards/", payload, format="json", HTTP_IDEMPOTENCY_KEY="grant-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    with tenant_scope(tenant):
        assert Reward.objects.count() == 1
        assert OutboxEvent.objects.filter(name="reward.granted").count() == 1


def test_a_bad_grant_is_a_400_in_the_error_format_and_grants_nothing(writer, tenant, household):
    no_value = writer.post(
        "/api/v1/rewards/", {**CREDIT, "client": household.pk, "value": "0"}, format="json"
    )
    discount = writer.post(
        "/api/v1/rewards/", {**CREDIT, "client": household.pk, "kind": "labour_discount"}, format="json"
    )
    blank = writer.post("/api/v1/rewards/", {**CREDIT, "client": household.pk, "reason": ""}, format="json")

    assert check_error(no_value, 400)["errors"][0]["attr"] == "value"
    assert check_error(discount, 400)["errors"][0]["attr"] == "kind"
    assert check_error(blank, 400)["errors"][0]["attr"] == "reason"
    with tenant_scope(tenant):
        assert not Reward.objects.exists()


def test_the_list_filters_by_client_program_kind_status_and_dates(reader, tenant, household):
    today = tenant_today(tenant)
    other = ClientFactory(tenant=tenant, name="Okafor Dental")
    old = grant(household, "2026-01", on=today - timedelta(days=200))
    recent = grant(household, "2026-10", on=today - timedelta(days=10))
    present = gift(household)
    theirs = grant(other, "2026-10")

    def ids(**params):
        return [row["id"] for row in reader.get("/api/v1/rewards/", params).json()["results"]]

    assert set(ids()) == {old.pk, recent.pk, present.pk, theirs.pk}
    assert set(ids(client=household.pk)) == {old.pk, recent.pk, present.pk}
    assert ids(program="anniversary") == [present.pk]
    assert ids(kind="gift") == [present.pk]
    assert ids(status="to_deliver") == [present.pk]
    assert set(ids(granted_on_from=(today - timedelta(days=30)).isoformat(), client=household.pk)) == {
        recent.pk,
        present.pk,
    }
    assert ids(granted_on_to=(today - timedelta(days=100)).isoformat()) == [old.pk]
    check_error(reader.get("/api/v1/rewards/", {"kind": "cash"}), 400)


def test_the_list_comes_in_cursor_pages(reader, household):
    for month in range(5):
        grant(household, f"2026-0{month + 1}")

    first = reader.get("/api/v1/rewards/", {"page_size": 2}).json()
    second = reader.get(first["next"]).json()

    assert len(first["results"]) == 2
    assert len(second["results"]) == 2
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_deliver_and_withdraw_through_the_api(writer, tenant, household):
    present = gift(household)
    other = gift(household, "year-2")
    credit = grant(household, "2026-10")

    delivered = writer.post(f"/api/v1/rewards/{present.pk}/deliver/")
    withdrawn = writer.post(f"/api/v1/rewards/{other.pk}/withdraw/", {"reason": "Moved away"}, format="json")
    refused = writer.post(f"/api/v1/rewards/{credit.pk}/withdraw/", {"reason": "Oops"}, format="json")
    no_reason = writer.post(f"/api/v1/rewards/{present.pk}/withdraw/", {}, format="json")
    not_a_gift = writer.post(f"/api/v1/rewards/{credit.pk}/deliver/")

    assert delivered.status_code == 200
    assert delivered.json()["status"] == "delivered"
    assert delivered.json()["delivered_at"]
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["details"]["withdrawn_because"] == "Moved away"
    assert "cannot be withdrawn" in check_error(refused, 400)["errors"][0]["detail"]
    assert check_error(no_reason, 400)["errors"][0]["attr"] == "reason"
    check_error(not_a_gift, 400)
    with tenant_scope(tenant):
        assert Reward.objects.get(pk=credit.pk).status == RewardStatus.GRANTED


def test_a_read_key_cannot_write_and_another_tenants_rewards_are_404(reader, writer, household, other_tenant):
    present = gift(household)
    rival = api_client(api_key_for(other_tenant, ["read", "write"], name="Rival")[1])

    check_error(reader.post("/api/v1/rewards/", {**CREDIT, "client": household.pk}, format="json"), 403)
    check_error(reader.post(f"/api/v1/rewards/{present.pk}/deliver/"), 403)
    check_error(rival.get(f"/api/v1/rewards/{present.pk}/"), 404)
    check_error(rival.post(f"/api/v1/rewards/{present.pk}/deliver/"), 404)
    check_error(rival.post(f"/api/v1/rewards/{present.pk}/withdraw/", {"reason": "x"}, format="json"), 404)
    assert rival.get("/api/v1/rewards/").json()["results"] == []
    their_grant = rival.post("/api/v1/rewards/", {**CREDIT, "client": household.pk}, format="json")
    assert check_error(their_grant, 400)["errors"][0]["attr"] == "client"
    with tenant_scope(household.tenant):
        assert Reward.objects.get(pk=present.pk).status == RewardStatus.TO_DELIVER
        assert Reward.objects.count() == 1


def test_the_schema_documents_every_rewards_operation_with_its_errors(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]

    assert set(paths["/api/v1/rewards/"]) == {"get", "post"}
    assert set(paths["/api/v1/rewards/{id}/"]) == {"get"}
    assert "post" in paths["/api/v1/rewards/{id}/deliver/"]
    assert "post" in paths["/api/v1/rewards/{id}/withdraw/"]
    create = paths["/api/v1/rewards/"]["post"]
    assert {"201", "400", "404"} <= set(create["responses"])
    assert {"200", "400", "404"} <= set(paths["/api/v1/rewards/{id}/withdraw/"]["post"]["responses"])
    assert "reward.granted" in str(schema)


def test_the_reward_granted_webhook_carries_the_reward_as_the_api_shows_it(reader, tenant, household):
    WebhookEndpointFactory(tenant=tenant, events=["reward.granted"])
    reward = grant(household, "2026-11", value="12.50")

    dispatch_until_idle()

    with tenant_scope(tenant):
        delivery = WebhookDelivery.objects.get(event_type="reward.granted")
    message = delivery.message
    assert message["type"] == "reward.granted"
    assert message["data"]["reward"] == reader.get(f"/api/v1/rewards/{reward.pk}/").json()
    assert message["data"]["reward"]["value"] == "12.50"
