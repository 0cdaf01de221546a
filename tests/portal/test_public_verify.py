"""The public verify page: no sign-in, any tenant's signed PDF or hash, only what the certificate shows,
rate limited per address."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from portal import signing
from tenants.scope import tenant_scope
from tests.portal.test_verify import changed

pytestmark = pytest.mark.django_db

VERIFY = reverse("public_verify")


@pytest.fixture
def signed(sign_link):
    link, _ = sign_link
    with tenant_scope(link.tenant):
        return signing.sign_agreement(
            link, typed_name="Dana Whitaker", consent=True, intent=True, ip="203.0.113.7", user_agent="Test"
        )


def check_pdf(client, pdf: bytes):
    return client.post(VERIFY, {"pdf": SimpleUploadedFile("signed.pdf", pdf, "application/pdf")})


def test_the_page_opens_without_signing_in(client):
    page = client.get(VERIFY)
    assert page.status_code == 200
    assert "Is this signed document genuine?" in page.content.decode()
    assert page["X-Robots-Tag"] == "noindex"


def test_the_signed_pdf_matches_and_says_who_signed_it(client, signed, tenant):
    page = check_pdf(client, bytes(signed.pdf)).content.decode()
    assert "This is a document signed with" in page
    assert tenant.name in page
    assert f"Agreement {signed.agreement_id}" in page
    assert "Dana Whitaker" in page
    assert "Seal intact" in page
    # Only what the certificate shows, and less: no address, device or email of the signer.
    assert "203.0.113.7" not in page
    assert "dana@whitaker.example" not in page


def test_a_copy_with_one_byte_changed_does_not_match(client, signed):
    page = check_pdf(client, changed(bytes(signed.pdf))).content.decode()
    assert "No match" in page
    assert "Dana Whitaker" not in page


def test_a_pasted_hash_finds_the_document_or_the_pdf(client, signed):
    by_document = client.post(VERIFY, {"sha256": signed.document_sha256}).content.decode()
    assert "fingerprint of the document as shown to the signers" in by_document
    by_pdf = client.post(VERIFY, {"sha256": signed.pdf_sha256.upper()}).content.decode()
    assert "fingerprint of the signed PDF" in by_pdf


def test_a_hash_that_matches_nothing_reveals_nothing(client, signed):
    page = client.post(VERIFY, {"sha256": hashlib.sha256(b"anything").hexdigest()}).content.decode()
    assert "No match" in page
    assert signed.agreement.tenant.name not in page


def test_a_malformed_hash_is_explained(client):
    page = client.post(VERIFY, {"sha256": "not a hash"})
    assert page.status_code == 400
    assert "A SHA-256 is 64 characters" in page.content.decode()


@override_settings(ACCORD_RATE_LIMITS={"public_verify_per_ip": (2, 600)})
def test_checks_are_rate_limited_per_address(client):
    for _ in range(2):
        assert client.post(VERIFY, {"sha256": "0" * 64}).status_code == 200
    refused = client.post(VERIFY, {"sha256": "0" * 64})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "pausing for your connection" in refused.content.decode()
