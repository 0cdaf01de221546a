"""Verification: a PDF or a hash matches only a signed document of the viewer's own tenant."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal import signing
from portal.verify import normalize_hash, verify_hash, verify_pdf
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.conftest import staff_of
from tests.factories import ClientFactory, SignatureFactory
from tests.portal.conftest import published_version, sent_agreement

pytestmark = pytest.mark.django_db

VERIFY = reverse("contract_verify:verify")


@pytest.fixture
def signed(sign_link):
    link, _ = sign_link
    with tenant_scope(link.tenant):
        return signing.sign_agreement(
            link, typed_name="Dana Whitaker", consent=True, intent=True, ip="203.0.113.7", user_agent="Test"
        )


def changed(pdf: bytes) -> bytes:
    middle = len(pdf) // 2
    return pdf[:middle] + bytes([pdf[middle] ^ 1]) + pdf[middle + 1 :]


def test_the_signed_pdf_matches_and_a_changed_one_does_not(signed, tenant):
    pdf = bytes(signed.pdf)
    with tenant_scope(tenant):
        assert verify_pdf(pdf).signature == signed
        assert verify_pdf(pdf).matched_on == "pdf"
        assert not verify_pdf(changed(pdf)).matches
        assert not verify_pdf(pdf + b"\n").matches
        assert verify_pdf([pdf[:1000], pdf[1000:]]).matches  # an upload, chunk by chunk


def test_a_pasted_hash_matches_the_document_or_the_pdf(signed, tenant):
    with tenant_scope(tenant):
        assert verify_hash(signed.document_sha256).matched_on == "document"
        assert verify_hash(signed.pdf_sha256.upper()).matched_on == "pdf"
        spaced = " ".join(signed.document_sha256[i : i + 4] for i in range(0, 64, 4))
        assert verify_hash(f"sha256:{spaced}").signature == signed
        assert not verify_hash("0" * 64).matches


@pytest.mark.parametrize("value", ["", "abc", "g" * 64, "0" * 63, "0" * 65])
def test_anything_but_a_sha256_is_refused_plainly(value):
    with pytest.raises(ValidationError, match="64 characters"):
        normalize_hash(value)


def test_declined_and_unfinished_records_never_verify(sign_link, agreement, tenant):
    link, _ = sign_link
    with tenant_scope(tenant):
        opened = signing.record_first_view(link, ip=None, user_agent="")
        declined = signing.decline_agreement(link, reason="No thanks", ip=None, user_agent="")
        assert declined.pk == opened.pk
        assert declined.document_sha256
        assert not verify_hash(declined.document_sha256).matches


def test_another_tenants_signed_documents_do_not_verify(signed, other_tenant):
    theirs = sent_agreement(published_version(other_tenant), ClientFactory(tenant=other_tenant))
    their_signature = SignatureFactory(agreement=theirs)
    with tenant_scope(other_tenant):
        assert not verify_pdf(bytes(signed.pdf)).matches
        assert not verify_hash(signed.document_sha256).matches
        assert verify_hash(their_signature.document_sha256).signature == their_signature


# --- The staff page -------------------------------------------------------------------------------


def test_staff_upload_a_pdf_and_see_whose_signature_it_is(staff_client, signed, agreement):
    page = staff_client.get(VERIFY)
    assert page.status_code == 200
    assert "Verify a signed document" in page.content.decode()
    pdf = bytes(signed.pdf)
    response = staff_client.post(VERIFY, {"pdf": SimpleUploadedFile("signed.pdf", pdf, "application/pdf")})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Match" in html
    assert f"Agreement {agreement.pk}" in html
    assert "Dana Whitaker" in html
    response = staff_client.post(
        VERIFY, {"pdf": SimpleUploadedFile("edited.pdf", changed(pdf), "application/pdf")}
    )
    assert "No match" in response.content.decode()
    assert "Dana Whitaker" not in response.content.decode()


def test_staff_paste_a_hash_from_a_certificate(staff_client, signed):
    response = staff_client.post(VERIFY, {"sha256": signed.document_sha256})
    assert "Match" in response.content.decode()
    assert "document as shown to the signer" in response.content.decode()
    response = staff_client.post(VERIFY, {"sha256": "not a hash"})
    assert response.status_code == 400
    assert "64 characters" in response.content.decode()
    response = staff_client.post(VERIFY, {})
    assert response.status_code == 400
    assert "one of the two" in response.content.decode()


def test_staff_of_another_tenant_get_no_match(client, signed, other_tenant):
    client.force_login(staff_of(other_tenant, Role.READ_ONLY))
    response = client.post(
        VERIFY, {"pdf": SimpleUploadedFile("signed.pdf", bytes(signed.pdf), "application/pdf")}
    )
    assert "No match" in response.content.decode()
    assert "Dana Whitaker" not in response.content.decode()
    response = client.post(VERIFY, {"sha256": signed.document_sha256})
    assert "No match" in response.content.decode()


def test_the_verify_page_needs_a_staff_sign_in(client):
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
