"""Portal links: a random token of which only the hash is kept, bound to one contact, purpose and
agreement, with an expiry."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.links import (
    LinkRefused,
    Refusal,
    build_portal_url,
    hash_token,
    issue_portal_link,
    resolve_portal_link,
    revoke_portal_link,
)
from portal.models import LinkPurpose, PortalLink
from tenants.scope import cross_tenant, tenant_scope
from tests.factories import ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_issuing_keeps_only_the_hash_of_a_long_random_token(tenant, signer, agreement):
    with tenant_scope(tenant):
        link, token = issue_portal_link(
            contact=signer, purpose=LinkPurpose.SIGN_AGREEMENT, agreement=agreement
        )
        _, other_token = issue_portal_link(
            contact=signer, purpose=LinkPurpose.SIGN_AGREEMENT, agreement=agreement
        )
    assert len(token) == 43
    assert token != other_token
    assert link.token_hash == hash_token(token)
    assert token not in link.token_hash
    with cross_tenant("test"):
        assert not PortalLink.objects.filter(token_hash=token).exists()
    assert link.expires_at - timezone.now() > timedelta(days=29)


def test_the_url_is_absolute_for_emails(settings):
    settings.SITE_URL = "https://accord.example"
    assert build_portal_url("abc") == "https://accord.example/portal/abc/"
    assert build_portal_url("abc", absolute=False) == "/portal/abc/"


def test_a_genuine_token_resolves_to_its_link_and_records_its_use(sign_link):
    link, token = sign_link
    resolved = resolve_portal_link(token)
    assert resolved == link
    assert resolved.tenant == link.tenant
    assert resolved.last_used_at is not None


@pytest.mark.parametrize("tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:-2],
                                    lambda t: t + "x", lambda t: "", lambda t: "../" + t[3:]])  # fmt: skip
def test_a_tampered_token_opens_nothing(sign_link, tamper):
    _, token = sign_link
    assert resolve_portal_link(tamper(token)) == LinkRefused(Refusal.UNKNOWN)


def test_a_link_stops_working_when_it_expires(sign_link):
    link, token = sign_link
    with time_machine.travel(link.expires_at - timedelta(seconds=1)):
        assert resolve_portal_link(token) == link
    with time_machine.travel(link.expires_at):
        refused = resolve_portal_link(token)
    assert refused.reason == Refusal.EXPIRED
    assert refused.link == link


def test_a_revoked_link_or_one_of_an_inactive_company_is_refused(sign_link, tenant):
    link, token = sign_link
    with tenant_scope(tenant):
        revoke_portal_link(link)
    assert resolve_portal_link(token).reason == Refusal.REVOKED


def test_a_deactivated_company_closes_its_links(sign_link, tenant):
    _, token = sign_link
    tenant.is_active = False
    tenant.save()
    assert resolve_portal_link(token).reason == Refusal.REVOKED


@pytest.mark.parametrize(
    "change", [{"can_sign": False}, {"archived_at": timezone.now()}], ids=["no longer signs", "archived"]
)
def test_a_link_closes_when_its_contact_may_no_longer_use_it(sign_link, signer, change):
    _, token = sign_link
    with tenant_scope(signer.tenant):
        for field, value in change.items():
            setattr(signer, field, value)
        signer.save()
    assert resolve_portal_link(token).reason == Refusal.WRONG_CONTACT


def test_a_link_closes_when_its_contact_moves_to_another_client(sign_link, signer, tenant):
    _, token = sign_link
    with tenant_scope(tenant):
        signer.client = ClientFactory(tenant=tenant, name="Elsewhere LLC")
        signer.save()
    assert resolve_portal_link(token).reason == Refusal.WRONG_CONTACT


def test_links_are_only_issued_to_signers_of_the_agreements_client(tenant, agreement, household):
    outsider = ContactFactory(client=ClientFactory(tenant=tenant), can_sign=True)
    not_a_signer = ContactFactory(client=household, can_sign=False)
    no_email = ContactFactory(client=household, email="")
    with tenant_scope(tenant):
        with pytest.raises(ValidationError, match="not a contact of the client"):
            issue_portal_link(contact=outsider, purpose=LinkPurpose.SIGN_AGREEMENT, agreement=agreement)
        with pytest.raises(ValidationError, match="may not sign"):
            issue_portal_link(contact=not_a_signer, purpose=LinkPurpose.SIGN_AGREEMENT, agreement=agreement)
        with pytest.raises(ValidationError, match="no email"):
            issue_portal_link(contact=no_email, purpose=LinkPurpose.SIGN_AGREEMENT, agreement=agreement)
        with pytest.raises(ValidationError, match="needs the agreement"):
            issue_portal_link(contact=not_a_signer, purpose=LinkPurpose.VIEW_AGREEMENT)
        # Reading an agreement does not need signing rights.
        link, _ = issue_portal_link(
            contact=not_a_signer, purpose=LinkPurpose.VIEW_AGREEMENT, agreement=agreement
        )
    assert link.purpose == LinkPurpose.VIEW_AGREEMENT


def test_a_contact_of_another_company_gets_no_link(tenant, other_tenant, agreement):
    stranger = ContactFactory(client=ClientFactory(tenant=other_tenant))
    with tenant_scope(tenant), pytest.raises(ValidationError, match="another company"):
        issue_portal_link(contact=stranger, purpose=LinkPurpose.SIGN_AGREEMENT, agreement=agreement)
