"""The portal pages as a contact uses them: no staff login, everything from the emailed link."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from contracts import agreements
from contracts.models import AgreementStatus, Signature
from portal.links import FRESH_LINK_INTERVAL, resolve_portal_link, revoke_portal_link
from portal.models import LinkPurpose, PortalLink
from tenants.scope import cross_tenant, tenant_scope
from tests.factories import ContactFactory, PortalLinkFactory

pytestmark = pytest.mark.django_db

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148 Safari/604.1"


def url(name, token):
    return reverse(f"portal:{name}", kwargs={"token": token})


def text(response):
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def sign_form(**overrides):
    return {"typed_name": "Dana Whitaker", "consent": "on", "intent": "on"} | overrides


def shown_hash(client, token):
    """The document fingerprint the sign page put in its form."""
    html = client.get(url("open", token)).content.decode()
    return re.search(r'name="document_sha256" value="([0-9a-f]{64})"', html)[1]


def sign(client, token, **overrides):
    return client.post(url("sign", token), sign_form(document_sha256=shown_hash(client, token), **overrides))


def test_the_link_opens_the_document_to_sign_with_its_contents_and_summary(client, sign_link, tenant):
    _, token = sign_link
    response = client.get(url("open", token))
    assert response.status_code == 200
    page = text(response)
    assert tenant.name in page
    assert "Whitaker Residence" in page
    assert "Dana Whitaker" in page
    assert "Home Technology Care Plan" in page
    assert "Contents" in page
    assert 'href="#doc-terms"' in response.content.decode()
    assert "In short" in page
    assert "Covered" in page
    assert "Repair (hardware): parts extra" in page
    assert "New installation: quoted first" in page  # billable
    assert "Your typed name is your signature" in page
    assert "Sign agreement" in page
    assert "Decline with a reason" in page
    assert 'name="document_sha256"' in response.content.decode()


def test_the_portal_has_no_staff_navigation_and_is_never_cached(client, sign_link):
    _, token = sign_link
    response = client.get(url("open", token))
    html = response.content.decode()
    assert 'aria-label="Main"' not in html
    assert "Dashboard" not in html
    assert "Sign out" not in html
    assert response["Cache-Control"] == "private, no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Referrer-Policy"] == "same-origin"  # the token in the URL goes to no other site


def test_signing_from_the_link_leads_to_the_confirmation_and_the_pdf(client, sign_link, agreement):
    _, token = sign_link
    shown = client.get(url("open", token), HTTP_USER_AGENT=PHONE)
    shown_hash = re.search(r'name="document_sha256" value="([0-9a-f]{64})"', shown.content.decode())[1]
    response = client.post(
        url("sign", token),
        sign_form(document_sha256=shown_hash),
        HTTP_USER_AGENT=PHONE,
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    assert response["Location"] == url("done", token)

    with tenant_scope(agreement.tenant):
        signature = Signature.objects.get(agreement=agreement)
        agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert (signature.ip_address, signature.user_agent, signature.document_sha256) == (
        "203.0.113.9",
        PHONE,
        shown_hash,
    )

    done = client.get(url("done", token))
    assert "Thank you, it's signed" in text(done)
    assert url("pdf", token) in done.content.decode()
    pdf = client.get(url("pdf", token))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="agreement-{agreement.pk}-signed.pdf"'
    assert pdf.content == bytes(signature.pdf)

    # The same link now shows the agreement as signed: the document as signed, the summary, the PDF.
    page = text(client.get(url("open", token)))
    assert "Signed by Dana Whitaker" in page
    assert "Active" in page
    assert "In short" in page
    assert "Download the signed PDF" in page
    assert "Sign agreement" not in page


def test_a_form_without_consent_or_name_is_shown_again_with_what_is_missing(client, sign_link, agreement):
    _, token = sign_link
    response = client.post(url("sign", token), {"typed_name": " ", "intent": "on"})
    assert response.status_code == 400
    page = text(response)
    assert "Not signed yet" in page
    assert "Tick this box to agree to sign electronically." in page
    assert "Type your full name to sign." in page
    with tenant_scope(agreement.tenant):
        agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SENT


def test_a_document_changed_while_reading_is_shown_again_before_signing(client, sign_link, agreement):
    _, token = sign_link
    for shown in ["f" * 64, ""]:  # another document, or none said
        response = client.post(url("sign", token), sign_form(document_sha256=shown))
        assert response.status_code == 409
        assert "The agreement changed while you were reading it" in text(response)
    with tenant_scope(agreement.tenant):
        agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SENT


def test_declining_asks_for_a_reason_and_then_says_what_happens_next(client, sign_link, agreement, tenant):
    _, token = sign_link
    form = client.get(url("decline", token))
    assert "Why are you declining?" in text(form)
    assert client.post(url("decline", token), {"reason": ""}).status_code == 400
    response = client.post(url("decline", token), {"reason": "We are moving house in May."})
    assert response.status_code == 302
    assert response["Location"] == url("open", token)
    page = text(client.get(url("open", token)))
    assert "This agreement was declined" in page
    assert "We are moving house in May." in page
    assert f"{tenant.name} can see the reason" in page
    with tenant_scope(tenant):
        agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DECLINED


def test_a_signed_agreement_cannot_be_signed_again_from_another_link(client, sign_link, agreement, signer):
    _, token = sign_link
    assert sign(client, token).status_code == 302
    other = PortalLinkFactory(contact=signer, agreement=agreement)
    response = client.post(url("sign", other.token), sign_form(typed_name="Someone Else"))
    assert response.status_code == 409
    with tenant_scope(agreement.tenant):
        assert Signature.objects.filter(signed_at__isnull=False).count() == 1


def test_a_withdrawn_agreement_says_so(client, sign_link, agreement):
    _, token = sign_link
    with tenant_scope(agreement.tenant):
        agreements.cancel(agreement, actor="owner@example.com")
    page = text(client.get(url("open", token)))
    assert "This agreement was withdrawn" in page
    assert "Sign agreement" not in page


def test_a_view_link_shows_the_agreement_but_no_signing(client, signer, agreement):
    link = PortalLinkFactory(contact=signer, agreement=agreement, purpose=LinkPurpose.VIEW_AGREEMENT)
    page = text(client.get(url("open", link.token)))
    assert "Home Technology Care Plan" in page
    assert "In short" in page
    assert "Sign agreement" not in page
    assert client.post(url("sign", link.token), sign_form()).status_code == 409
    assert client.get(url("pdf", link.token)).status_code == 404


# --- Dead ends ------------------------------------------------------------------------------------


def test_an_expired_link_says_so_shows_nothing_and_offers_a_fresh_one(client, sign_link):
    link, token = sign_link
    with time_machine.travel(link.expires_at + timedelta(minutes=1)):
        for name in ["open", "decline", "done", "pdf"]:
            response = client.get(url(name, token))
            assert response.status_code == 410
            page = text(response)
            assert "This link has expired" in page
            assert "Email me a fresh link" in page
            assert "Whitaker Residence" not in page
            assert "Home Technology Care Plan" not in page
        assert client.post(url("sign", token), sign_form()).status_code == 410
    with tenant_scope(link.tenant):
        assert not Signature.objects.exists()


def test_a_tampered_link_is_not_found_and_reveals_nothing(client, sign_link, tenant):
    _, token = sign_link
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for name in ["open", "decline", "done", "pdf"]:
        response = client.get(url(name, forged))
        assert response.status_code == 404
        page = text(response)
        assert "We can't find this link" in page
        assert tenant.name not in page
        assert "Whitaker" not in page
    assert client.post(url("sign", forged), sign_form()).status_code == 404


def test_a_revoked_link_is_refused(client, sign_link):
    link, token = sign_link
    with tenant_scope(link.tenant):
        revoke_portal_link(link)
    response = client.get(url("open", token))
    assert response.status_code == 410
    assert "This link was withdrawn" in text(response)


def test_a_link_whose_contact_may_no_longer_sign_is_refused(client, sign_link, signer):
    _, token = sign_link
    with tenant_scope(signer.tenant):
        signer.can_sign = False
        signer.save()
    response = client.get(url("open", token))
    assert response.status_code == 403
    page = text(response)
    assert "This link can't be used" in page
    assert "Home Technology Care Plan" not in page


# --- A fresh link for an expired one --------------------------------------------------------------


def test_the_contact_of_an_expired_link_gets_a_fresh_working_link_by_email(client, sign_link, signer):
    link, token = sign_link
    with time_machine.travel(link.expires_at + timedelta(days=1)):
        response = client.post(url("fresh_link", token), {"email": "DANA@whitaker.example"})
        assert response.status_code == 200
        assert "Check your email" in text(response)
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["dana@whitaker.example"]
        fresh_token = re.search(r"/portal/([A-Za-z0-9_-]{43})/", message.body)[1]
        assert fresh_token != token
        fresh = resolve_portal_link(fresh_token)
        assert isinstance(fresh, PortalLink)
        assert (fresh.contact, fresh.agreement, fresh.purpose) == (signer, link.agreement, link.purpose)
        assert client.get(url("open", fresh_token)).status_code == 200
        # A second request right away sends nothing more: no inbox flooding.
        client.post(url("fresh_link", token), {"email": "dana@whitaker.example"})
        assert len(mail.outbox) == 1
    with time_machine.travel(
        link.expires_at + timedelta(days=1) + FRESH_LINK_INTERVAL + timedelta(seconds=1)
    ):
        client.post(url("fresh_link", token), {"email": "dana@whitaker.example"})
        assert len(mail.outbox) == 2


def test_another_address_gets_the_same_answer_and_no_email(client, sign_link, household):
    link, token = sign_link
    colleague = ContactFactory(client=household, email="pat@whitaker.example", can_sign=True)
    with time_machine.travel(link.expires_at + timedelta(days=1)):
        right = client.post(url("fresh_link", token), {"email": "dana@whitaker.example"})
        mail.outbox.clear()
        for email in ["someone@elsewhere.example", colleague.email]:
            wrong = client.post(url("fresh_link", token), {"email": email})
            assert wrong.status_code == right.status_code == 200
            assert text(wrong) == text(right)
    assert mail.outbox == []


def test_an_unknown_or_still_valid_token_sends_no_fresh_link(client, sign_link):
    _, token = sign_link
    response = client.post(url("fresh_link", "x" * 43), {"email": "dana@whitaker.example"})
    assert response.status_code == 200
    assert "Check your email" in text(response)
    assert client.post(url("fresh_link", token), {"email": "dana@whitaker.example"}).status_code == 302
    assert mail.outbox == []
    with cross_tenant("count links"):
        assert PortalLink.objects.count() == 1


# --- Strict CSP ---------------------------------------------------------------------------------


def test_portal_pages_have_no_inline_scripts_styles_or_outside_assets(client, sign_link):
    link, token = sign_link
    pages = [client.get(url("open", token)), client.get(url("decline", token)),
             client.post(url("sign", token), {}), client.get(url("open", "y" * 43))]  # fmt: skip
    assert sign(client, token).status_code == 302
    pages += [client.get(url("done", token)), client.get(url("open", token))]
    with time_machine.travel(link.expires_at + timedelta(days=1)):
        pages.append(client.get(url("open", token)))
    for response in pages:
        html = response.content.decode()
        assert "script-src 'self'" in response["Content-Security-Policy"]
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script
        assert not re.search(r"\sstyle=\"", html)
        assert not re.search(r"\son[a-z]+=\"", html)
        assert not re.search(r"(src|href)=\"https?://", html)
