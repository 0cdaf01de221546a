"""Signed PDFs carry the tenant's PAdES seal: anyone with the tenant's certificate can check who issued a
file and that not a byte changed since; the verify page says so in words."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from portal import pdf as signed_pdfs
from portal import signing
from portal.verify import verify_pdf
from tenants import seals
from tenants.models import SigningIdentity
from tenants.scope import tenant_scope
from tenants.signing_identities import certificate_of
from tests import pki
from tests.factories import ClientFactory, ContactFactory
from tests.portal.conftest import published_version, sent_agreement

pytestmark = pytest.mark.django_db

VERIFY = reverse("contract_verify:verify")


def sign(link):
    with tenant_scope(link.tenant):
        return signing.sign_agreement(
            link, typed_name="Dana Whitaker", consent=True, intent=True, ip="203.0.113.7", user_agent="Test"
        )


@pytest.fixture
def signed(sign_link):
    link, _ = sign_link
    return sign(link)


def tenant_certificate(tenant):
    with tenant_scope(tenant):
        return pki.asn1(certificate_of(SigningIdentity.objects.get(retired_at__isnull=True)))


def validate(pdf: bytes, trust_root, **contexts):
    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(embedded) == 1
    context = ValidationContext(trust_roots=[trust_root], allow_fetching=False, revocation_mode="soft-fail")
    return embedded[0], validate_pdf_signature(embedded[0], context, **contexts)


def changed(pdf: bytes) -> bytes:
    middle = len(pdf) // 2
    return pdf[:middle] + bytes([pdf[middle] ^ 1]) + pdf[middle + 1 :]


def upload(name: str, data: bytes):
    return {"pdf": SimpleUploadedFile(name, data, "application/pdf")}


def test_a_signed_agreements_pdf_validates_against_the_tenants_certificate(signed, agreement, tenant):
    pdf = bytes(signed.pdf)
    embedded, status = validate(pdf, tenant_certificate(tenant))
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.modification_level == ModificationLevel.NONE
    assert status.bottom_line
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert embedded.sig_object["/Reason"] == f"Sealed by {tenant.name} for agreement {agreement.pk}"
    assert embedded.sig_object["/Location"].startswith("Accord")
    assert signed.pdf_sha256 == hashlib.sha256(pdf).hexdigest(), "the stored hash is that of the sealed file"


def test_a_copy_with_one_byte_changed_fails_validation(signed, tenant):
    try:
        _, status = validate(changed(bytes(signed.pdf)), tenant_certificate(tenant))
    except Exception:  # pyHanko may refuse to read it at all: just as good
        return
    assert not status.bottom_line
    assert not status.intact


def test_the_seal_does_not_validate_against_another_tenants_certificate(signed, other_tenant):
    ContactFactory(client=ClientFactory(tenant=other_tenant))  # the other tenant exists in full
    with tenant_scope(other_tenant):
        from tenants.signing_identities import current_signing_identity

        theirs = pki.asn1(certificate_of(current_signing_identity(other_tenant)))
    _, status = validate(bytes(signed.pdf), theirs)
    assert status.intact
    assert not status.trusted
    assert not status.bottom_line


# --- The verify page --------------------------------------------------------------------------------


def test_the_verify_page_says_the_seal_is_intact_and_when_it_was_made(staff_client, signed, tenant):
    html = staff_client.post(VERIFY, upload("signed.pdf", bytes(signed.pdf))).content.decode()
    assert f"Sealed by {tenant.name} on" in html
    assert "unchanged since" in html
    assert "Seal intact" in html
    assert "Match" in html  # and the hash matches, as before


def test_the_verify_page_says_the_seal_is_broken_for_a_changed_copy(staff_client, signed):
    html = staff_client.post(VERIFY, upload("edited.pdf", changed(bytes(signed.pdf)))).content.decode()
    assert "The seal is broken: this file was changed after it was sealed" in html
    assert "Seal intact" not in html
    assert "No match" in html
    assert "Dana Whitaker" not in html


def test_a_page_appended_after_sealing_breaks_the_seal(signed, tenant):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(bytes(signed.pdf)))
    writer.insert_page(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Page"),
                generic.pdf_name("/MediaBox"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (0, 0, 10, 10)]
                ),
                generic.pdf_name("/Resources"): generic.DictionaryObject(),
            }
        )
    )
    out = io.BytesIO()
    writer.write(out)
    with tenant_scope(tenant):
        check = verify_pdf(out.getvalue()).seal
    assert check.status == seals.SealStatus.BROKEN


def test_a_pdf_issued_before_seals_has_none_and_still_matches_by_hash(
    staff_client, sign_link, tenant, monkeypatch
):
    monkeypatch.setattr(signed_pdfs, "seal_signed_pdf", lambda signature, pdf: pdf)  # as before seals
    link, _ = sign_link
    unsealed = bytes(sign(link).pdf)
    assert not PdfFileReader(io.BytesIO(unsealed)).embedded_signatures
    html = staff_client.post(VERIFY, upload("old.pdf", unsealed)).content.decode()
    assert "No seal" in html
    assert "Match" in html
    assert "Dana Whitaker" in html


def test_another_tenants_seal_is_not_ours(client, signed, other_tenant):
    from tests.conftest import staff_of

    theirs = sent_agreement(published_version(other_tenant), ClientFactory(tenant=other_tenant))
    assert theirs.tenant_id == other_tenant.pk
    client.force_login(staff_of(other_tenant))
    html = client.post(VERIFY, upload("signed.pdf", bytes(signed.pdf))).content.decode()
    assert f"Not sealed by {other_tenant.name}" in html
    assert "No match" in html


def test_a_file_that_is_not_a_pdf_is_never_sealed(staff_client, tenant):
    with tenant_scope(tenant):
        assert not verify_pdf(b"%PDF-1.7 nonsense /ByteRange [0 1 2 3]").seal.is_sealed
        assert not verify_pdf(b"hello").seal.is_sealed
    html = staff_client.post(VERIFY, upload("notes.pdf", b"hello")).content.decode()
    assert "No seal" in html


# --- With a timestamp authority (PAdES B-LT) ------------------------------------------------------


@pytest.fixture
def tsa(monkeypatch, settings, tmp_path):
    timestamper, certificate, pem = pki.timestamp_authority()
    roots = tmp_path / "tsa.pem"
    roots.write_bytes(pem)
    settings.ACCORD_TSA_TRUST_ROOTS = str(roots)
    monkeypatch.setattr(
        seals, "configured_timestamping", lambda: seals.Timestamping(timestamper, [certificate])
    )
    return certificate


def test_with_a_timestamp_authority_the_seal_is_timestamped_with_validation_info(sign_link, tsa, tenant):
    link, _ = sign_link
    pdf = bytes(sign(link).pdf)
    tsa_context = ValidationContext(trust_roots=[tsa], allow_fetching=False, revocation_mode="soft-fail")
    _, status = validate(pdf, tenant_certificate(tenant), ts_validation_context=tsa_context)
    assert status.bottom_line
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.trusted
    # B-LT: the validation data follows the signature in a revision of its own, and nothing else does
    assert status.modification_level == ModificationLevel.LTA_UPDATES
    assert PdfFileReader(io.BytesIO(pdf)).root["/DSS"]
    with tenant_scope(tenant):
        check = verify_pdf(pdf).seal
        assert check.is_sealed
        assert check.timestamped
        assert not verify_pdf(changed(pdf)).seal.is_sealed


def test_when_the_timestamp_authority_fails_the_pdf_is_still_sealed_without_a_timestamp(
    sign_link, monkeypatch, tenant
):
    timestamper, certificate, _ = pki.timestamp_authority()

    async def refuse(*args, **kwargs):
        raise ConnectionError("TSA down")

    monkeypatch.setattr(timestamper, "async_request_tsa_response", refuse)
    monkeypatch.setattr(
        seals, "configured_timestamping", lambda: seals.Timestamping(timestamper, [certificate])
    )
    link, _ = sign_link
    pdf = bytes(sign(link).pdf)
    _, status = validate(pdf, tenant_certificate(tenant))
    assert status.bottom_line
    assert status.timestamp_validity is None


# --- After an owner uploads their own certificate ---------------------------------------------------


def another_sign_link(tenant, version):
    from portal.models import LinkPurpose
    from tests.factories import PortalLinkFactory

    client = ClientFactory(tenant=tenant, name="Okafor Residence")
    contact = ContactFactory(client=client, full_name="Ada Okafor", email="ada@okafor.example", can_sign=True)
    agreement = sent_agreement(version, client)
    return PortalLinkFactory(contact=contact, agreement=agreement, purpose=LinkPurpose.SIGN_AGREEMENT)


def test_after_a_pkcs12_upload_new_pdfs_validate_against_it_and_older_ones_still_verify(
    staff_client, signed, version, tenant
):
    key = pki.ec_key()
    certificate = pki.certificate("Harbor AV document signing", key)
    response = staff_client.post(
        reverse("tenants:seal"),
        {
            "file": SimpleUploadedFile("seal.p12", pki.pkcs12_file(key, certificate)),
            "password": "correct horse",
        },
    )
    assert response.status_code == 302

    later = bytes(sign(another_sign_link(tenant, version)).pdf)
    embedded, status = validate(later, pki.asn1(certificate))
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert embedded.signer_cert.dump() == pki.asn1(certificate).dump()
    html = staff_client.post(VERIFY, upload("later.pdf", later)).content.decode()
    assert f"Sealed by {tenant.name} on" in html
    assert "CN=Harbor AV document signing" in html
    html = staff_client.post(VERIFY, upload("earlier.pdf", bytes(signed.pdf))).content.decode()
    assert f"Sealed by {tenant.name} on" in html, "a PDF sealed with the replaced certificate still verifies"


def test_a_wrong_password_keeps_sealing_with_the_old_certificate(staff_client, signed, version, tenant):
    before = tenant_certificate(tenant)
    key = pki.ec_key()
    data = pki.pkcs12_file(key, pki.certificate("Mallory", key))
    response = staff_client.post(
        reverse("tenants:seal"), {"file": SimpleUploadedFile("seal.p12", data), "password": "guess"}
    )
    assert response.status_code == 400
    assert "The password does not open this file." in response.content.decode()
    later = bytes(sign(another_sign_link(tenant, version)).pdf)
    assert validate(later, before)[1].bottom_line
