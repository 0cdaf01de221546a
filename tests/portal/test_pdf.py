"""The signed PDF: the document as signed, then a certificate page with the audit trail."""

import io

import pytest
import time_machine
from pypdf import PdfReader

from portal import signing
from tenants.scope import tenant_scope

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Linux; Android 15; Pixel 9) Chrome/141.0 Mobile"


def pdf_pages(data: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def signed(sign_link):
    link, _ = sign_link
    with time_machine.travel("2026-03-02 14:00Z", tick=False), tenant_scope(link.tenant):
        signing.record_first_view(link, ip="203.0.113.7", user_agent=BROWSER)
    with time_machine.travel("2026-03-02 14:05:30Z", tick=False), tenant_scope(link.tenant):
        return signing.sign_agreement(
            link, typed_name="Dana Whitaker", consent=True, intent=True, ip="203.0.113.7", user_agent=BROWSER
        )


def test_the_pdf_holds_the_signed_document_then_the_certificate(signed, agreement, tenant):
    pages = pdf_pages(bytes(signed.pdf))
    start = next(i for i, page in enumerate(pages) if page.startswith("Certificate of signature"))
    body, certificate = " ".join(pages[:start]), " ".join(pages[start:])
    assert "Home Technology Care Plan" in body
    assert "Whitaker Residence" in body
    assert "Scope of service" in body
    assert "Response times" in body
    assert start == len(pages) - 1, "the certificate fits on the last page"
    for text in [
        f"Agreement {agreement.pk}",
        tenant.name,
        "Dana Whitaker",
        "dana@whitaker.example",
        "203.0.113.7",
        "Pixel 9",
        signed.document_sha256,
        "electronic records and signatures",
        "I have read the agreement and I sign it on behalf of Whitaker Residence.",
    ]:
        assert text in certificate, text


def test_the_certificate_gives_each_time_in_utc_and_in_the_tenants_zone(signed):
    certificate = pdf_pages(bytes(signed.pdf))[-1]
    # New York is on EST until 8 March 2026.
    assert "First viewed 2026-03-02 14:00:00 UTC 2026-03-02 09:00:00 EST (America/New_York)" in certificate
    assert "Signed 2026-03-02 14:05:30 UTC 2026-03-02 09:05:30 EST (America/New_York)" in certificate
    assert "Sent 20" in certificate


def test_every_page_is_numbered_and_names_the_agreement(signed, agreement):
    pages = pdf_pages(bytes(signed.pdf))
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert f"Agreement {agreement.pk}" in text
