"""Acceptance: a contact goes from the emailed link to a signed agreement on a phone and downloads the
PDF; its certificate carries the document's hash, which the staff verify page confirms, and a changed
PDF fails verification. The `page`/`phone_page` fixtures fail the test on any CSP violation."""

import io
import re

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from contracts.models import AgreementStatus, Signature
from portal.links import email_portal_link, issue_portal_link
from portal.models import LinkPurpose
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import (
    CalendarFactory,
    ClientFactory,
    ContactFactory,
    SlaPolicyFactory,
    SlaTargetFactory,
    StaffMembershipFactory,
    TenantFactory,
)
from tests.portal.conftest import published_version, sent_agreement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture
def emailed_link():
    """A tenant, an agreement sent to a signer, and the path of the link in the email they received."""
    tenant = TenantFactory(name="Northwind AV")
    policy = SlaPolicyFactory(tenant=tenant, name="Standard", kind="standard", key="")
    SlaTargetFactory(policy=policy, calendar=CalendarFactory(tenant=tenant, name="Business hours"),
                     priority="P1", metric="first_response", minutes=60)  # fmt: skip
    household = ClientFactory(tenant=tenant, name="Whitaker Residence")
    signer = ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")
    agreement = sent_agreement(published_version(tenant), household)
    with tenant_scope(tenant):
        link, token = issue_portal_link(
            contact=signer, purpose=LinkPurpose.SIGN_AGREEMENT, agreement=agreement
        )
        email_portal_link(link=link, token=token)
    (message,) = mail.outbox
    assert message.to == ["dana@whitaker.example"]
    path = re.search(r"https?://[^/\s]+(/portal/[A-Za-z0-9_-]{43}/)", message.body)[1]
    return tenant, agreement, path


def test_a_contact_signs_on_a_phone_and_staff_verify_the_pdf(
    phone_page, page, sign_in, emailed_link, tmp_path
):
    tenant, agreement, path = emailed_link

    # The contact opens the emailed link on a phone: who is asking, the document, contents, summary.
    phone_page.goto(path)
    expect(phone_page.get_by_role("banner")).to_contain_text("Northwind AV")
    expect(phone_page.get_by_role("heading", level=1).first).to_have_text("Home Technology Care Plan")
    expect(phone_page.get_by_role("navigation", name="Main")).to_have_count(0)  # no staff navigation
    contents = phone_page.get_by_role("navigation", name="Contents")
    contents.get_by_role("link", name="2. Service level agreement").click()
    expect(phone_page).to_have_url(re.compile(r"#doc-sla$"))
    expect(phone_page.get_by_role("region", name="In short")).to_contain_text("Repair (hardware)")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"

    # Signing needs consent, intent and a typed name; a missed box is explained, not lost.
    phone_page.get_by_role("link", name="Go to signing").click()
    phone_page.get_by_label("Your full name").fill("Dana Whitaker")
    phone_page.get_by_role("button", name="Sign agreement").click()
    expect(phone_page.get_by_text("Tick this box to agree to sign electronically.")).to_be_visible()
    phone_page.get_by_label("I agree to use electronic records and signatures").check()
    phone_page.get_by_label(
        "I have read the agreement and I sign it on behalf of Whitaker Residence."
    ).check()
    phone_page.get_by_label("Your full name").fill("Dana Whitaker")
    phone_page.get_by_role("button", name="Sign agreement").click()

    expect(phone_page.get_by_role("heading", name="Thank you, it's signed")).to_be_visible()
    with phone_page.expect_download() as download_info:
        phone_page.get_by_role("link", name="Download the signed PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"agreement-{agreement.pk}-signed.pdf"
    download.save_as(tmp_path / "signed.pdf")
    pdf = (tmp_path / "signed.pdf").read_bytes()

    with tenant_scope(tenant):
        signature = Signature.objects.get(agreement=agreement)
        agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert (signature.signer_name, signature.signer_email) == ("Dana Whitaker", "dana@whitaker.example")
    assert signature.ip_address == "127.0.0.1"
    assert signature.user_agent == phone_page.evaluate("navigator.userAgent")
    assert signature.first_viewed_at <= signature.signed_at
    assert signature.sent_at <= signature.first_viewed_at

    text = pdf_text(pdf)
    assert "Certificate of signature" in text
    assert "Dana Whitaker" in text
    printed_hash = re.search(r"Document fingerprint \(SHA-256\) ([0-9a-f]{64})", text)[1]
    assert printed_hash == signature.document_sha256

    # Staff check the downloaded PDF, then a changed copy, then the hash printed on the certificate.
    owner = StaffMembershipFactory(tenant=tenant, role=Role.OWNER).user
    sign_in(page, owner)
    page.goto("/contracts/verify/")
    page.get_by_label("Signed PDF").set_input_files(tmp_path / "signed.pdf")
    page.get_by_role("button", name="Verify").click()
    result = page.get_by_role("region", name=re.compile("This is a signed document"))
    expect(result).to_contain_text("Match")
    expect(result).to_contain_text(f"Agreement {agreement.pk}")
    expect(result).to_contain_text("Dana Whitaker")

    middle = len(pdf) // 2
    changed = pdf[:middle] + bytes([pdf[middle] ^ 1]) + pdf[middle + 1 :]
    page.get_by_label("Signed PDF").set_input_files(
        files=[{"name": "signed.pdf", "mimeType": "application/pdf", "buffer": changed}]
    )
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("region", name=re.compile("Not a signed document"))).to_contain_text("No match")

    page.get_by_label("Or a SHA-256 fingerprint").fill(printed_hash)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("region", name=re.compile("This is a signed document"))).to_contain_text(
        "document as shown to the signer"
    )
