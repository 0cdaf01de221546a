"""A client has at most one service agreement in force per term: sending a newer agreement withdraws
the older unsigned one, its link explains what replaced it and refuses to sign, and the database refuses
a second agreement in force for an overlapping term whatever path the write takes."""

import re
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from contracts import agreements, campaigns, signatures
from contracts.models import Agreement, AgreementStatus
from tenants.scope import tenant_scope
from tests.contracts.contract_setup import client_with_signers, eager_tasks, service_version  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture(autouse=True)
def early_march():
    with time_machine.travel("2026-03-02 14:00Z", tick=False):
        yield


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def portal_url(name: str, token: str) -> str:
    return reverse(f"portal:{name}", kwargs={"token": token})


def campaign_link(tenant, version, client) -> str:
    """Open and send a campaign on ``version`` to ``client``: the token of the link it emailed."""
    mail.outbox.clear()
    with tenant_scope(tenant):
        campaign = campaigns.open_signature_campaign(
            name=f"Sign {version.title}", version=version, client_ids=[client.pk],
            grace_deadline=date(2026, 3, 31),
        )  # fmt: skip
        campaigns.send_campaign(campaign, inline=True)
    [message] = mail.outbox
    url = next(line for line in message.body.splitlines() if "/portal/" in line).strip()
    return url.rstrip("/").split("/")[-1]


def sign_through_portal(http, token: str):
    shown = http.get(portal_url("open", token)).content.decode()
    found = re.search(r'name="document_sha256" value="([0-9a-f]{64})"', shown)
    form = {"typed_name": "Ivan Petrov", "consent": "on", "intent": "on"}
    if found:
        form["document_sha256"] = found[1]
    return http.post(portal_url("sign", token), form)


def test_an_older_campaign_link_explains_the_newer_agreement_and_cannot_be_signed(
    client, tenant, staff_client
):
    v1 = service_version(tenant, title="Care Plan 2026", number=1, hourly_rate_onsite=145)
    v2 = service_version(tenant, title="Care Plan 2026 (revised)", number=2, hourly_rate_onsite=155)
    petrov, _ = client_with_signers(tenant, "Petrov & Partners", "ivan@petrov.example")
    old_token = campaign_link(tenant, v1, petrov)
    new_token = campaign_link(tenant, v2, petrov)

    with tenant_scope(tenant):
        old = Agreement.objects.get(client=petrov, version=v1)
        new = Agreement.objects.get(client=petrov, version=v2)
        assert old.status == AgreementStatus.SUPERSEDED
        assert old.superseded_by_id == new.pk

    assert sign_through_portal(client, new_token).status_code == 302
    page = client.get(portal_url("open", old_token))
    assert page.status_code == 200
    assert "replaced by a newer agreement" in text(page)
    assert "Care Plan 2026 (revised)" in text(page)
    assert "has been signed and is the agreement in force" in text(page)
    assert 'name="typed_name"' not in page.content.decode()

    refused = sign_through_portal(client, old_token)
    assert refused.status_code == 409
    with tenant_scope(tenant):
        old.refresh_from_db()
        new.refresh_from_db()
        assert old.status == AgreementStatus.SUPERSEDED
        assert not old.signatures.filter(signed_at__isnull=False).exists()
        assert new.status == AgreementStatus.ACTIVE

    listed = text(staff_client.get("/contracts/agreements/?q=Petrov", HTTP_HX_REQUEST="true"))  # the rows
    assert listed.count("Active") == 1
    assert "Superseded" in listed


def test_signing_a_superseded_agreement_is_refused_by_the_service(tenant):
    v1 = service_version(tenant, title="Care Plan 2026", number=1)
    v2 = service_version(tenant, title="Care Plan 2026 (revised)", number=2)
    petrov, _ = client_with_signers(tenant, "Petrov & Partners", "ivan@petrov.example")
    with tenant_scope(tenant):
        old = agreements.create_agreement(client=petrov, version=v1, actor="owner@example.com")
        agreements.mark_sent(old, actor="owner@example.com")
        new = agreements.create_agreement(client=petrov, version=v2, actor="owner@example.com")
        agreements.mark_sent(new, actor="owner@example.com")
        with pytest.raises(ValidationError, match="replaced by a newer agreement"):
            signatures.agreement_to_sign(old.pk)
        with pytest.raises(ValidationError, match="cannot become signed"):
            agreements.mark_signed(old, actor="Ivan Petrov")


def test_the_database_refuses_two_agreements_in_force_for_one_client_and_overlapping_term(tenant):
    v1 = service_version(tenant, title="Care Plan 2026", number=1)
    v2 = service_version(tenant, title="Care Plan 2026 (revised)", number=2)
    petrov, _ = client_with_signers(tenant, "Petrov & Partners", "ivan@petrov.example")
    with tenant_scope(tenant):
        Agreement.objects.create(
            tenant=tenant, client=petrov, version=v1, status=AgreementStatus.ACTIVE,
            starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
        )  # fmt: skip
        with pytest.raises(IntegrityError), transaction.atomic():
            Agreement.objects.create(
                tenant=tenant, client=petrov, version=v2, status=AgreementStatus.SIGNED,
                starts_on=date(2026, 3, 2), ends_on=date(2027, 3, 1),
            )  # fmt: skip
        # The next term, after this one ends, is fine.
        Agreement.objects.create(
            tenant=tenant, client=petrov, version=v2, status=AgreementStatus.SIGNED,
            starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31),
        )  # fmt: skip


def test_signing_a_newer_agreement_for_a_term_already_in_force_supersedes_the_older(tenant):
    v1 = service_version(tenant, title="Care Plan 2026", number=1)
    v2 = service_version(tenant, title="Care Plan 2026 (revised)", number=2)
    petrov, _ = client_with_signers(tenant, "Petrov & Partners", "ivan@petrov.example")
    with tenant_scope(tenant):
        older = Agreement.objects.create(
            tenant=tenant, client=petrov, version=v1, status=AgreementStatus.ACTIVE,
            starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
        )  # fmt: skip
        newer = agreements.create_agreement(client=petrov, version=v2, actor="owner@example.com")
        agreements.mark_sent(newer, actor="owner@example.com")

        agreements.mark_signed(newer, actor="Ivan Petrov")

        older.refresh_from_db()
        assert older.status == AgreementStatus.SUPERSEDED
        assert older.superseded_by_id == newer.pk
        assert [a.pk for a in Agreement.objects.filter(client=petrov) if a.is_in_force] == [newer.pk]
