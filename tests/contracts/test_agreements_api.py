"""Partner API: agreements (list, get with history, create a draft, cancel), signing campaigns (create,
status) and signatures."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from contracts import agreements
from contracts.api_agreements import AgreementDetailSerializer, AgreementSerializer
from contracts.models import Agreement, Campaign
from memberships.models import BillingCycle
from tenants.scope import tenant_scope
from tests.api.conftest import api_client, check_error
from tests.contracts.contract_setup import (
    client_with_signers,
    eager_tasks,  # noqa: F401 (fixture)
    service_version,
    sign,
    signed_agreement,
    supplement_version,
)
from tests.factories import AgreementFactory, ClientFactory, PlanFactory, SignatureFactory, api_key_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture(autouse=True)
def early_march():
    with time_machine.travel("2026-03-02 14:00Z", tick=False):
        yield


@pytest.fixture
def version(tenant):
    return service_version(tenant, title="Northwind Service Agreement")


@pytest.fixture
def writer(tenant):
    return api_client(api_key_for(tenant, ["read", "write"], name="CRM sync")[1])


@pytest.fixture
def reader(tenant):
    return api_client(api_key_for(tenant, ["read"], name="Dashboard")[1])


@pytest.fixture
def book(tenant, version):
    lindqvist, _ = client_with_signers(tenant, "Lindqvist Penthouse", "eva@lindqvist.example")
    signed = signed_agreement(tenant, lindqvist, version, tier="gold", monthly_fee=300)
    whitaker, _ = client_with_signers(tenant, "Whitaker Residence", "dana@whitaker.example")
    okafor, _ = client_with_signers(tenant, "Okafor Dental Group", "office@okafor.example")
    return {"signed": signed, "whitaker": whitaker, "okafor": okafor}


def test_agreements_are_listed_with_their_status_and_filtered(reader, book):
    body = reader.get("/api/v1/agreements/").json()
    assert [(a["client_name"], a["status"], a["in_force"]) for a in body["results"]] == [
        ("Lindqvist Penthouse", "active", True)
    ]
    assert body["results"][0]["monthly_fee"] == "300.00"
    assert reader.get("/api/v1/agreements/", {"status": "sent"}).json()["results"] == []
    check_error(reader.get("/api/v1/agreements/", {"status": "maybe"}), 400)


def test_the_list_asks_for_the_memberships_of_a_whole_page_at_once(reader, tenant, version, book):
    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert reader.get("/api/v1/agreements/").status_code == 200
        return len(queries)

    queries_for_the_list()  # the first request of a key also records its use
    with_one = queries_for_the_list()
    for name in ("Adeyemi Loft", "Brandt Studio", "Castillo House"):
        client, _ = client_with_signers(tenant, name, f"office@{name.split()[0].lower()}.example")
        signed_agreement(tenant, client, version, tier="gold", monthly_fee=200)
    assert queries_for_the_list() == with_one
    fees = {a["client_name"]: a["monthly_fee"] for a in reader.get("/api/v1/agreements/").json()["results"]}
    assert fees == {
        "Lindqvist Penthouse": "300.00", "Adeyemi Loft": "200.00", "Brandt Studio": "200.00",
        "Castillo House": "200.00",
    }  # fmt: skip


def test_every_kind_of_agreement_reads_in_the_api_as_drfs_own_serializer_reads_it(
    reader, tenant, version, book
):
    # The list reads its rows the lean way (api.flat_rows) from a query narrowed to what a row shows;
    # both must say what DRF's own to_representation says of the whole agreement.
    signed = book["signed"]
    platinum = PlanFactory(tenant=tenant, key="platinum")
    premium, after_hours = (
        PlanFactory(tenant=tenant, key=key, kind="rider") for key in ("premium", "after-hours")
    )
    with tenant_scope(tenant):
        change = agreements.create_agreement(
            client=signed.client,
            version=supplement_version(tenant),
            actor="CRM",
            plan=platinum,
            riders=[premium],
            parent=signed,
        )
        change = agreements.mark_sent(change, actor="CRM")
        agreements.create_agreement(
            client=book["whitaker"],
            version=version,
            actor="CRM",
            plan=platinum,
            riders=[after_hours, premium],
            billing_cycle=BillingCycle.ANNUAL,
            plan_price=Decimal("1234.56"),
        )
        agreements.create_agreement(client=signed.client, version=version, actor="CRM", renewed_from=signed)
    AgreementFactory(
        client=book["okafor"], version=version, status="declined", starts_on=None, declined_reason="Not now"
    )

    listed = reader.get("/api/v1/agreements/").json()["results"]
    shown = reader.get(f"/api/v1/agreements/{change.pk}/").json()

    with tenant_scope(tenant):
        rows = list(Agreement.objects.order_by("-created_at", "-id"))
        page = AgreementSerializer(rows, many=True)
        assert listed == [serializers.Serializer.to_representation(page.child, row) for row in rows]
        assert shown == serializers.Serializer.to_representation(AgreementDetailSerializer(), change)
    assert [(a["status"], a["tier"], a["riders"], a["monthly_fee"]) for a in listed] == [
        ("declined", "", [], "0.00"),
        ("draft", "", [], "0.00"),
        ("draft", "platinum", ["after-hours", "premium"], "269.55"),
        ("sent", "platinum", ["premium"], "499.00"),
        ("active", "gold", [], "300.00"),
    ]
    assert shown["is_supplement"]
    assert shown["parent"] == listed[1]["renewed_from"] == signed.pk


def test_an_agreement_comes_with_its_history(reader, book):
    body = reader.get(f"/api/v1/agreements/{book['signed'].pk}/").json()
    assert [event["kind"] for event in body["history"]] == ["created", "sent", "signed", "activated"]
    assert body["starts_on"] == "2026-03-02"
    assert body["history"][0]["at"].endswith("Z") or "+" in body["history"][0]["at"]


@pytest.mark.parametrize("starts_on", ["9999-12-31", "1999-12-31"])
def test_an_agreement_starting_outside_the_supported_years_is_a_400(starts_on, writer, version, book):
    payload = {"client": book["okafor"].pk, "version": version.pk, "starts_on": starts_on}
    body = check_error(writer.post("/api/v1/agreements/", payload, format="json"), 400)
    assert body["errors"] == [
        {"code": "invalid", "detail": "An agreement starts between 2000 and 2100.", "attr": "starts_on"}
    ]


def test_a_draft_is_created_once_even_when_the_request_is_retried(writer, tenant, version, book):
    PlanFactory(tenant=tenant, key="silver")
    payload = {"client": book["okafor"].pk, "version": version.pk, "tier": "silver", "plan_price": "99.00"}
    first = writer.post("/api/v1/agreements/", payload, format="json", HTTP_IDEMPOTENCY_KEY="draft-okafor")
    again = writer.post("/api/v1/agreements/", payload, format="json", HTTP_IDEMPOTENCY_KEY="draft-okafor")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert (first.json()["status"], first.json()["tier"], first.json()["monthly_fee"]) == (
        "draft",
        "silver",
        "99.00",
    )
    assert first.json()["history"][0]["actor"] == "API key “CRM sync”"
    with tenant_scope(tenant):
        assert Agreement.objects.filter(client=book["okafor"]).count() == 1
    assert mail.outbox == []  # a draft is not sent


def test_a_draft_needs_a_published_version_of_this_company(writer, other_tenant, book):
    theirs = service_version(other_tenant)
    response = writer.post(
        "/api/v1/agreements/", {"client": book["okafor"].pk, "version": theirs.pk}, format="json"
    )
    assert check_error(response, 400)["errors"][0]["attr"] == "version"


def test_a_read_only_key_cannot_create_or_cancel(reader, version, book):
    check_error(reader.post("/api/v1/agreements/", {"client": book["okafor"].pk, "version": version.pk}), 403)
    check_error(reader.post(f"/api/v1/agreements/{book['signed'].pk}/cancel/", {}), 403)


def test_cancelling_keeps_the_history_and_says_why_it_cannot_happen_twice(writer, book):
    url = f"/api/v1/agreements/{book['signed'].pk}/cancel/"
    body = writer.post(url, {"reason": "Sold the house"}, format="json").json()
    assert body["status"] == "cancelled"
    assert body["history"][-1]["details"]["reason"] == "Sold the house"
    error = check_error(writer.post(url, {}, format="json"), 400)
    assert "cannot become cancelled" in error["errors"][0]["detail"]


def test_a_campaign_is_created_sent_and_reports_who_it_could_not_reach(
    writer, tenant, version, book, django_capture_on_commit_callbacks
):
    ClientFactory(tenant=tenant, name="Moreau Lake House")
    payload = {"name": "2026 agreement", "version": version.pk, "grace_deadline": "2026-03-31",
               "reminder_days": [7, 3]}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = writer.post("/api/v1/campaigns/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["progress"]["clients"], body["progress"]["queued"]) == ("sending", 2, 2)
    assert [(n["client_name"], n["reason"][:10]) for n in body["not_reached"]] == [
        ("Moreau Lake House", "No contact")
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@whitaker.example", "office@okafor.example"]
    later = writer.get(f"/api/v1/campaigns/{body['id']}/").json()  # the emails went out after the answer
    assert (later["status"], later["progress"]["sent"], later["progress"]["emails_sent"]) == ("open", 2, 2)


def test_campaign_status_counts_signers_and_the_coverage(
    writer, reader, tenant, version, book, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        campaign_id = writer.post(
            "/api/v1/campaigns/",
            {"name": "2026", "version": version.pk, "grace_deadline": "2026-03-31"},
            format="json",
        ).json()["id"]
    with tenant_scope(tenant):
        whitaker = Agreement.objects.get(client=book["whitaker"])
    sign(whitaker)
    body = reader.get(f"/api/v1/campaigns/{campaign_id}/status/").json()
    assert body["progress"]["signed"] == 1
    assert body["progress"]["signed_percent"] == 50
    assert body["coverage"] == {"clients": 3, "signed": 2, "percent": 67}


def test_a_campaign_keeps_a_draft_when_asked_and_refuses_a_past_deadline(writer, tenant, version, book):
    body = writer.post(
        "/api/v1/campaigns/",
        {"name": "Later", "version": version.pk, "grace_deadline": "2026-03-31", "send": False},
        format="json",
    ).json()
    assert body["status"] == "draft"
    assert mail.outbox == []
    error = check_error(
        writer.post(
            "/api/v1/campaigns/",
            {"name": "x", "version": version.pk, "grace_deadline": "2026-03-01"},
            format="json",
        ),
        400,
    )
    assert error["errors"][0]["attr"] == "grace_deadline"
    with tenant_scope(tenant):
        assert Campaign.objects.count() == 1


def test_signatures_say_who_signed_what_and_can_be_filtered(reader, tenant, book):
    SignatureFactory(agreement=book["signed"])
    with tenant_scope(tenant):
        declined_agreement = agreements.create_agreement(
            client=book["okafor"], version=book["signed"].version, actor="owner@example.com"
        )
    SignatureFactory(
        agreement=declined_agreement, signed_at=None, declined_at=date(2026, 3, 1).isoformat() + "T10:00Z"
    )
    body = reader.get("/api/v1/signatures/").json()
    assert sorted(s["state"] for s in body["results"]) == ["declined", "signed"]
    assert "pdf" not in body["results"][0]
    signed = reader.get("/api/v1/signatures/", {"state": "signed"}).json()["results"]
    assert [s["agreement"] for s in signed] == [book["signed"].pk]


def test_the_schema_documents_agreements_campaigns_and_signatures():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert {"/api/v1/agreements/", "/api/v1/agreements/{id}/cancel/", "/api/v1/campaigns/",
            "/api/v1/campaigns/{id}/status/", "/api/v1/signatures/{id}/"} <= set(paths)  # fmt: skip
    assert paths["/api/v1/campaigns/"]["post"]["summary"] == "Start a signing campaign"
    assert "AgreementStatusEnum" in schema["components"]["schemas"]
