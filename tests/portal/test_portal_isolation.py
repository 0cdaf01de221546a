"""A portal link shows its own agreement to its own contact, and nothing of another tenant, whatever is
done to the token or the rows behind it."""

import pytest
from django.urls import reverse

from contracts.models import AgreementStatus
from portal.links import Refusal, hash_token, resolve_portal_link
from portal.models import PortalLink
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory, PortalLinkFactory
from tests.portal.conftest import published_version, sent_agreement

pytestmark = pytest.mark.django_db

ROUTES = ["open", "decline", "done", "pdf"]


@pytest.fixture
def theirs(other_tenant):
    """Another tenant's client, signer and agreement, with a link of their own."""
    client = ClientFactory(tenant=other_tenant, name="Rival Client Estate")
    contact = ContactFactory(client=client, full_name="Robin Rival", can_sign=True)
    agreement = sent_agreement(published_version(other_tenant, title="Rival Service Plan"), client)
    return PortalLinkFactory(contact=contact, agreement=agreement)


def pages(client, token):
    return [client.get(reverse(f"portal:{name}", kwargs={"token": token})) for name in ROUTES]


def test_a_link_shows_only_its_own_tenants_agreement(client, sign_link, theirs):
    _, token = sign_link
    for response in pages(client, token):
        html = response.content.decode()
        assert "Rival" not in html
        assert "Robin" not in html


def test_a_link_row_pointing_at_another_tenants_agreement_opens_nothing(client, signer, theirs, tenant):
    # A forged row (as a bug or a bad import might make): tenant A's link, tenant B's agreement.
    token = "F" * 43
    with tenant_scope(tenant):
        PortalLink.objects.create(
            tenant=tenant, token_hash=hash_token(token), contact=signer, purpose="sign_agreement",
            agreement_id=theirs.agreement_id, expires_at=theirs.expires_at,
        )  # fmt: skip
    assert resolve_portal_link(token).reason == Refusal.WRONG_CONTACT
    for response in pages(client, token):
        assert response.status_code == 403
        assert "Rival" not in response.content.decode()
    response = client.post(
        reverse("portal:sign", kwargs={"token": token}), {"typed_name": "X", "consent": "on"}
    )
    assert response.status_code == 403
    with tenant_scope(theirs.tenant):
        theirs.agreement.refresh_from_db()
    assert theirs.agreement.status == AgreementStatus.SENT


def test_a_link_of_one_contact_cannot_be_turned_into_anothers(client, sign_link, household, agreement):
    link, token = sign_link
    colleague = ContactFactory(client=household, full_name="Pat Colleague", can_sign=True)
    with tenant_scope(link.tenant):
        # Point the stored link at a contact of another client: the binding no longer holds.
        PortalLink.objects.filter(pk=link.pk).update(
            contact=ContactFactory(client=ClientFactory(tenant=link.tenant))
        )
    assert resolve_portal_link(token).reason == Refusal.WRONG_CONTACT
    assert all(response.status_code == 403 for response in pages(client, token))
    # The colleague's own link works, for the colleague.
    theirs = PortalLinkFactory(contact=colleague, agreement=agreement)
    assert (
        "Pat Colleague" in client.get(reverse("portal:open", kwargs={"token": theirs.token})).content.decode()
    )


def test_forged_tokens_get_no_access(client, sign_link, theirs):
    _, token = sign_link
    for forged in [
        token.swapcase(),
        theirs.token[::-1],
        hash_token(token)[:43],
        token[:20] + theirs.token[20:],
    ]:
        assert all(response.status_code == 404 for response in pages(client, forged))


def test_a_signed_in_staff_member_of_another_tenant_still_sees_only_the_links_tenant(
    client, sign_link, theirs
):
    from tests.conftest import staff_of

    _, token = sign_link
    client.force_login(staff_of(theirs.tenant))
    html = client.get(reverse("portal:open", kwargs={"token": token})).content.decode()
    assert "Whitaker Residence" in html
    assert "Rival" not in html
