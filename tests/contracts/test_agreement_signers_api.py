"""Partner API: name the signers of an agreement when creating it or sending it."""

import pytest
import time_machine
from django.core import mail

from contracts.models import Agreement
from tenants.scope import tenant_scope
from tests.api.conftest import api_client
from tests.contracts.contract_setup import service_version
from tests.factories import ClientFactory, ContactFactory, api_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def early_march():
    with time_machine.travel("2026-03-02 14:00Z", tick=False):
        yield


@pytest.fixture
def writer(tenant):
    return api_client(api_key_for(tenant, ["read", "write"], name="CRM sync")[1])


@pytest.fixture
def household(tenant):
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")
    owner = ContactFactory(client=client, full_name="Dana Whitaker", email="dana@whitaker.example")
    finance = ContactFactory(client=client, full_name="Lee Whitaker", email="lee@whitaker.example")
    return client, owner, finance


def test_a_draft_names_its_signers_and_sending_emails_the_first(writer, tenant, household):
    client, owner, finance = household
    version = service_version(tenant, title="Northwind Service Agreement")
    created = writer.post(
        "/api/v1/agreements/",
        {
            "client": client.pk,
            "version": version.pk,
            "signers": [
                {"contact": owner.pk, "role": "Owner", "email_code": True},
                {"contact": finance.pk, "role": "Finance lead"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert [(s["name"], s["role"], s["order"], s["status"]) for s in body["signers"]] == [
        ("Dana Whitaker", "Owner", 1, "waiting"),
        ("Lee Whitaker", "Finance lead", 2, "waiting"),
    ]
    assert body["signers"][0]["email_code_required"] is True

    sent = writer.post(f"/api/v1/agreements/{body['id']}/send/", {}, format="json")
    assert sent.status_code == 200, sent.json()
    assert sent.json()["status"] == "sent"
    assert [s["status"] for s in sent.json()["signers"]] == ["invited", "waiting"]
    assert [message.to for message in mail.outbox] == [["dana@whitaker.example"]]


def test_a_signer_of_another_client_is_refused_and_no_draft_is_left(writer, tenant, household):
    client, _, _ = household
    stranger = ContactFactory(tenant=tenant, full_name="Sam Guest")
    version = service_version(tenant, title="Northwind Service Agreement")
    refused = writer.post(
        "/api/v1/agreements/",
        {"client": client.pk, "version": version.pk, "signers": [{"contact": stranger.pk}]},
        format="json",
    )
    assert refused.status_code == 400
    assert "is not a contact of Whitaker Residence" in str(refused.json())
    with tenant_scope(tenant):
        assert not Agreement.objects.exists()
