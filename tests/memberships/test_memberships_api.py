"""The partner API of plans (/api/v1/plans/) and memberships (/api/v1/subscriptions/): reads for every
key, writes with the write scope; starting, previewing, changing, cancelling and resuming; clear 400s;
another company's rows are 404s."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from billing.models import ProrationCharge
from billing.runs import run_billing
from memberships.models import Plan, Subscription, SubscriptionChange
from tenants.roles import Role
from tests.api.conftest import check_error
from tests.conftest import staff_of
from tests.factories import AgreementFactory, ClientFactory, PlanFactory, api_key_for, give_membership
from tests.memberships.membership_setup import MEMBER_SINCE, in_tenant

pytestmark = pytest.mark.django_db


def api(tenant, *scopes) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(tenant, scopes or ('read', 'write'))[1]}")
    return client


@pytest.fixture
def writer(tenant):
    return api(tenant, "read", "write")


@pytest.fixture
def reader(tenant):
    return api(tenant, "read")


def url(member, action=""):
    return f"/api/v1/subscriptions/{member.pk}/" + (f"{action}/" if action else "")


# --- Plans ------------------------------------------------------------------------------------------


def test_plans_are_listed_with_prices_policy_and_clients_holding_them(reader, member, plans, policies):
    body = reader.get("/api/v1/plans/", {"kind": "tier"}).json()
    gold = next(plan for plan in body["results"] if plan["key"] == "gold")

    assert [plan["key"] for plan in body["results"]] == ["platinum", "gold", "silver"]  # newest first
    assert (gold["monthly_price"], gold["annual_price"], gold["sla_policy"], gold["sla_policy_key"]) == (
        "179.00",
        "1790.00",
        policies["gold"].pk,
        "gold",
    )
    assert (gold["clients"], gold["archived"]) == (1, False)


def test_a_plan_is_created_once_and_a_new_price_leaves_agreed_prices_alone(writer, tenant, member, plans):
    payload = {"kind": "rider", "key": "weekend-cover", "name": "Weekend cover", "monthly_price": "39.00"}
    first = writer.post("/api/v1/plans/", payload, format="json", HTTP_IDEMPOTENCY_KEY="weekend")
    again = writer.post("/api/v1/plans/", payload, format="json", HTTP_IDEMPOTENCY_KEY="weekend")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert in_tenant(tenant, lambda: Plan.objects.filter(key="weekend-cover").count()) == 1

    response = writer.patch(f"/api/v1/plans/{plans.gold.pk}/", {"monthly_price": "199.00"}, format="json")
    assert response.json()["monthly_price"] == "199.00"
    assert writer.get(url(member)).json()["current"]["tier"]["price"] == "179.00"


def test_plan_mistakes_are_clear_400s(writer, plans, policies):
    duplicate = writer.post(
        "/api/v1/plans/",
        {"kind": "tier", "key": "gold", "name": "Gold 2", "monthly_price": "1"},
        format="json",
    )
    assert check_error(duplicate, 400)["errors"][0]["attr"] == "key"

    bronze = {"kind": "tier", "key": "bronze", "name": "Bronze", "monthly_price": "9"}
    wrong_policy = writer.post(
        "/api/v1/plans/", {**bronze, "sla_policy": policies["premium-response"].pk}, format="json"
    )
    assert check_error(wrong_policy, 400)["errors"][0]["attr"] == "sla_policy"

    negative = writer.post(
        "/api/v1/plans/",
        {"kind": "tier", "key": "bronze", "name": "Bronze", "monthly_price": "-1"},
        format="json",
    )
    assert check_error(negative, 400)["errors"][0]["attr"] == "monthly_price"

    kind = writer.patch(f"/api/v1/plans/{plans.gold.pk}/", {"kind": "rider"}, format="json")
    assert "cannot become a rider" in check_error(kind, 400)["errors"][0]["detail"]


def test_deleting_a_plan_archives_it_and_restore_offers_it_again(writer, tenant, plans):
    assert writer.delete(f"/api/v1/plans/{plans.silver.pk}/").status_code == 204
    assert writer.get(f"/api/v1/plans/{plans.silver.pk}/").json()["archived"] is True
    assert [p["key"] for p in writer.get("/api/v1/plans/", {"archived": "false"}).json()["results"]] == [
        "premium-response",
        "platinum",
        "gold",
    ]
    assert writer.post(f"/api/v1/plans/{plans.silver.pk}/restore/").json()["archived"] is False


def test_reading_plans_needs_the_read_scope_and_changing_them_a_manager(reader, tenant, plans):
    check_error(
        reader.post("/api/v1/plans/", {"kind": "tier", "key": "x", "name": "X", "monthly_price": "1"}), 403
    )
    check_error(reader.delete(f"/api/v1/plans/{plans.gold.pk}/"), 403)
    staff = APIClient()
    staff.force_login(staff_of(tenant, Role.BILLING))
    assert staff.get("/api/v1/plans/").status_code == 200
    check_error(staff.patch(f"/api/v1/plans/{plans.gold.pk}/", {"name": "Gilt"}, format="json"), 403)


# --- Reading memberships ----------------------------------------------------------------------------


def test_memberships_are_listed_and_filtered_by_client_and_status(reader, tenant, member, plans):
    other = give_membership(
        AgreementFactory(client=ClientFactory(tenant=tenant, name="Lindqvist")), tier="silver"
    )
    body = reader.get("/api/v1/subscriptions/").json()
    assert [row["id"] for row in body["results"]] == [other.pk, member.pk]

    row = reader.get("/api/v1/subscriptions/", {"client": member.client_id}).json()["results"][0]
    assert (row["state"], row["started_on"], row["current_period"], row["next_invoice_on"]) == (
        "active",
        "2026-03-01",
        {"start": "2026-03-01", "end": "2026-04-01"},
        "2026-03-01",
    )
    assert row["current"] == {
        "billing_cycle": "monthly",
        "tier": {"key": "gold", "name": "Gold", "price": "179.00"},
        "riders": [],
        "price": "179.00",
    }
    assert reader.get("/api/v1/subscriptions/", {"status": "ended"}).json()["results"] == []
    check_error(reader.get("/api/v1/subscriptions/", {"status": "paused"}), 400)


def test_the_list_asks_as_many_queries_for_many_memberships_as_for_one(reader, tenant, member, plans):
    reader.get("/api/v1/subscriptions/")  # a key's first call also notes that it was used
    with CaptureQueriesContext(connection) as one:
        assert reader.get("/api/v1/subscriptions/").status_code == 200
    for n in range(4):
        client = ClientFactory(tenant=tenant, name=f"Member {n}")
        give_membership(AgreementFactory(client=client), tier="silver", started_on=MEMBER_SINCE)
    run_billing(on=date(2026, 3, 10), tenant=tenant)  # March is invoiced for these five...
    late = ClientFactory(tenant=tenant, name="Late joiner")
    give_membership(AgreementFactory(client=late), tier="silver", started_on=MEMBER_SINCE)  # ...not this one
    with CaptureQueriesContext(connection) as many:
        rows = reader.get("/api/v1/subscriptions/").json()["results"]

    assert {row["client_name"]: row["next_invoice_on"] for row in rows} == {
        "Late joiner": "2026-03-01",
        "Whitaker Residence": "2026-04-01",
        **{f"Member {n}": "2026-04-01" for n in range(4)},
    }
    assert len(many) == len(one)


def test_a_membership_comes_with_its_phases_and_history(reader, writer, member, plans):
    writer.post(url(member, "change"), {"tier": "silver"}, format="json")
    body = reader.get(url(member)).json()

    assert [(p["starts_on"], p["ends_on"], p["tier"]["key"]) for p in body["phases"]] == [
        ("2026-03-01", "2026-04-01", "gold"),
        ("2026-04-01", None, "silver"),
    ]
    assert body["scheduled_change"]["tier"]["key"] == "silver"
    assert [(h["kind"], h["effective_on"]) for h in body["history"]] == [
        ("downgraded", "2026-04-01"),
        ("started", "2026-03-01"),
    ]
    assert body["history"][0]["actor"].startswith("API key")


# --- Starting one -------------------------------------------------------------------------------------


def test_a_membership_is_started_once_for_a_client_with_a_signed_contract(writer, tenant, contract, plans):
    payload = {"client": contract.client_id, "tier": "gold", "riders": ["premium-response"]}
    first = writer.post("/api/v1/subscriptions/", payload, format="json", HTTP_IDEMPOTENCY_KEY="start-1")
    again = writer.post("/api/v1/subscriptions/", payload, format="json", HTTP_IDEMPOTENCY_KEY="start-1")

    assert first.status_code == again.status_code == 201
    body = first.json()
    assert (body["started_on"], body["agreement"], body["current"]["price"]) == (
        "2026-03-10",
        contract.pk,
        "228.00",
    )
    assert in_tenant(tenant, lambda: Subscription.objects.filter(client=contract.client).count()) == 1
    refused = writer.post("/api/v1/subscriptions/", payload, format="json")
    assert "already has a membership" in check_error(refused, 400)["errors"][0]["detail"]


def test_starting_a_membership_says_what_is_wrong(writer, tenant, plans):
    unsigned = ClientFactory(tenant=tenant, name="Okafor")
    response = writer.post("/api/v1/subscriptions/", {"client": unsigned.pk, "tier": "gold"}, format="json")
    assert "no signed service contract" in check_error(response, 400)["errors"][0]["detail"]

    response = writer.post(
        "/api/v1/subscriptions/", {"client": unsigned.pk, "tier": "diamond"}, format="json"
    )
    assert check_error(response, 400)["errors"][0]["attr"] == "tier"
    response = writer.post("/api/v1/subscriptions/", {"client": unsigned.pk, "riders": "gold"}, format="json")
    assert check_error(response, 400)["errors"][0]["attr"] == "riders"
    response = writer.post(
        "/api/v1/subscriptions/", {"client": unsigned.pk, "tier": "premium-response"}, format="json"
    )
    assert check_error(response, 400)["errors"][0]["attr"] == "tier"  # a rider is no tier
    response = writer.post(
        "/api/v1/subscriptions/", {"client": unsigned.pk, "billing_cycle": "weekly"}, format="json"
    )
    assert check_error(response, 400)["errors"][0]["attr"] == "billing_cycle"


def test_a_membership_needs_a_tier_or_a_rider(writer, contract):
    response = writer.post("/api/v1/subscriptions/", {"client": contract.client_id}, format="json")
    assert "Choose a tier or at least one rider" in check_error(response, 400)["errors"][0]["detail"]


# --- Preview and change -------------------------------------------------------------------------------


def test_a_preview_says_what_a_change_does_and_writes_nothing(reader, tenant, member, plans):
    response = reader.post(url(member, "preview"), {"tier": "platinum"}, format="json")  # the read scope

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["immediate"], body["effective_on"], body["due_now"]) == (
        "upgraded",
        True,
        "2026-03-10",
        "156.13",
    )
    assert body["sentence"] == "today: +$156.13; from 1 Apr: $399.00/month"
    assert [(c["plan"], c["amount"]) for c in body["charges"]] == [
        ("gold", "-127.03"),
        ("platinum", "283.16"),
    ]
    assert (body["before"]["price"], body["after"]["price"], body["new_price_from"]) == (
        "179.00",
        "399.00",
        "2026-04-01",
    )
    assert not in_tenant(tenant, lambda: ProrationCharge.objects.exists())
    assert not in_tenant(tenant, lambda: SubscriptionChange.objects.exclude(kind="started").exists())


def test_a_change_keeps_what_is_left_out_and_answers_with_its_charges(writer, tenant, member, plans):
    writer.post(url(member, "change"), {"riders": ["premium-response"]}, format="json")  # Gold kept
    response = writer.post(
        url(member, "change"), {"tier": "platinum"}, format="json", HTTP_IDEMPOTENCY_KEY="up"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["change"]["kind"] == "upgraded"
    assert body["effect"]["after"]["riders"] == [
        {"key": "premium-response", "name": "Premium Response", "price": "49.00"}
    ]
    assert body["subscription"]["current"]["price"] == "448.00"
    assert (
        in_tenant(tenant, lambda: ProrationCharge.objects.count()) == 3
    )  # the rider, then Gold for Platinum
    replay = writer.post(
        url(member, "change"), {"tier": "platinum"}, format="json", HTTP_IDEMPOTENCY_KEY="up"
    )
    assert replay["Idempotent-Replayed"] == "true"
    assert in_tenant(tenant, lambda: ProrationCharge.objects.count()) == 3


def test_a_downgrade_and_a_cycle_change_wait_for_the_period_end(writer, member, plans):
    body = writer.post(
        url(member, "change"), {"tier": "silver", "billing_cycle": "annual"}, format="json"
    ).json()
    assert (body["change"]["kind"], body["change"]["effective_on"], body["effect"]["charges"]) == (
        "cycle_changed",
        "2026-04-01",
        [],
    )
    assert body["subscription"]["scheduled_change"]["price"] == "590.00"
    assert body["subscription"]["current"]["tier"]["key"] == "gold"


def test_changes_that_cannot_be_made_are_400s_that_say_why(writer, member, plans):
    same = writer.post(url(member, "change"), {}, format="json")
    assert "nothing to change" in check_error(same, 400)["errors"][0]["detail"]
    nothing = writer.post(url(member, "change"), {"tier": None, "riders": []}, format="json")
    assert "needs a tier or a rider" in check_error(nothing, 400)["errors"][0]["detail"]
    price = writer.post(url(member, "preview"), {"tier": "platinum", "plan_price": "-3"}, format="json")
    assert check_error(price, 400)["errors"][0]["attr"] == "plan_price"
    in_tenant(
        member.tenant, lambda: Plan.objects.filter(pk=plans.silver.pk).update(archived_at="2026-03-01T00:00Z")
    )
    archived = writer.post(url(member, "preview"), {"tier": "silver"}, format="json")
    assert "Silver is archived" in check_error(archived, 400)["errors"][0]["detail"]


# --- Cancel, resume, drop -----------------------------------------------------------------------------


def test_cancel_resume_and_drop_a_scheduled_change(writer, member, plans):
    body = writer.post(url(member, "cancel"), {"reason": "Moving abroad"}, format="json").json()
    assert (body["state"], body["ends_on"], body["next_invoice_on"]) == (
        "cancelling",
        "2026-04-01",
        "2026-03-01",
    )
    assert body["history"][0]["summary"] == "Cancelled from 1 Apr 2026: Moving abroad"
    again = writer.post(url(member, "cancel"), {}, format="json")
    assert "already cancelled" in check_error(again, 400)["errors"][0]["detail"]

    body = writer.post(url(member, "resume")).json()
    assert (body["state"], body["ends_on"]) == ("active", None)
    check_error(writer.post(url(member, "resume")), 400)

    writer.post(url(member, "change"), {"tier": "silver"}, format="json")
    body = writer.post(url(member, "drop-scheduled-change")).json()
    assert body["scheduled_change"] is None
    assert body["history"][0]["kind"] == "scheduled_dropped"
    check_error(writer.post(url(member, "drop-scheduled-change")), 400)


def test_a_read_key_cannot_change_anything(reader, member):
    for action in ("change", "cancel", "resume", "drop-scheduled-change"):
        check_error(reader.post(url(member, action), {}, format="json"), 403)
    check_error(reader.post("/api/v1/subscriptions/", {}, format="json"), 403)


def test_staff_sessions_follow_their_role(tenant, member):
    technician, billing = APIClient(), APIClient()
    technician.force_login(staff_of(tenant, Role.TECHNICIAN))
    billing.force_login(staff_of(tenant, Role.BILLING))
    assert technician.get(url(member)).status_code == 200
    check_error(technician.post(url(member, "cancel"), {}, format="json"), 403)
    assert technician.post(url(member, "preview"), {"tier": "platinum"}, format="json").status_code == 200
    assert billing.post(url(member, "cancel"), {}, format="json").status_code == 200


def test_another_companys_memberships_and_plans_are_not_found(tenant, other_tenant, member, plans):
    theirs = api(other_tenant)
    check_error(theirs.get(url(member)), 404)
    for action in ("preview", "change", "cancel", "resume", "drop-scheduled-change"):
        check_error(theirs.post(url(member, action), {"tier": "platinum"}, format="json"), 404)
    check_error(theirs.get(f"/api/v1/plans/{plans.gold.pk}/"), 404)
    assert theirs.get("/api/v1/subscriptions/").json()["results"] == []
    PlanFactory(tenant=other_tenant, key="platinum")
    response = theirs.post(
        "/api/v1/subscriptions/", {"client": member.client_id, "tier": "platinum"}, format="json"
    )
    assert check_error(response, 400)["errors"][0]["attr"] == "client"
    assert in_tenant(tenant, lambda: Subscription.objects.get(pk=member.pk).phases.count()) == 1


def test_prices_are_decimals_with_cents(writer, member):
    body = writer.get(url(member)).json()
    assert body["monthly_value"] == "179.00"
    assert Decimal(body["current"]["price"]) == Decimal("179")
