"""Acceptance 2 of issue 17: an agreement with two signers in order, the first proving their email
address with a one-time code and drawing their signature with a finger on a phone, the second typing
their name on a desktop. The PDF shows both; both receive it by email (and the company its copy); the
public verify page, with no sign-in, accepts it and rejects a copy with one byte changed."""

import io
import re

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from contracts import agreements, signers
from contracts.models import AgreementStatus, Signature, Signer, SignerStatus
from events.dispatch import dispatch_pending
from tenants.scope import tenant_scope
from tests.factories import (
    CalendarFactory,
    ClientFactory,
    ContactFactory,
    SlaPolicyFactory,
    SlaTargetFactory,
    TenantFactory,
)
from tests.portal.conftest import published_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "dana@whitaker.example"
FINANCE = "lee@whitaker.example"


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


def pdf_images(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/portal/[A-Za-z0-9_-]{43}/)", message.body)[1]


def emails_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def draw_with_a_finger(page) -> None:
    """A stroke of touch pointer events across the pad, as a finger makes it."""
    pad = page.locator("[data-signature-pad-canvas]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    points = [(box["x"] + 20 + step * 12, box["y"] + 40 + (step % 4) * 18) for step in range(20)]
    touch = {"pointerId": 7, "pointerType": "touch", "isPrimary": True, "bubbles": True}
    pad.dispatch_event("pointerdown", {**touch, "clientX": points[0][0], "clientY": points[0][1]})
    for x, y in points[1:]:
        pad.dispatch_event("pointermove", {**touch, "clientX": x, "clientY": y})
    pad.dispatch_event("pointerup", {**touch, "clientX": points[-1][0], "clientY": points[-1][1]})


@pytest.fixture
def two_signers_in_order():
    tenant = TenantFactory(name="Northwind AV", reply_to_email="office@northwind.example")
    policy = SlaPolicyFactory(tenant=tenant, name="Standard", kind="standard", key="")
    SlaTargetFactory(policy=policy, calendar=CalendarFactory(tenant=tenant, name="Business hours"),
                     priority="P1", metric="first_response", minutes=60)  # fmt: skip
    household = ClientFactory(tenant=tenant, name="Whitaker Residence")
    owner = ContactFactory(client=household, full_name="Dana Whitaker", email=OWNER, can_sign=True)
    finance = ContactFactory(client=household, full_name="Lee Whitaker", email=FINANCE, can_sign=True)
    version = published_version(tenant)
    with tenant_scope(tenant):
        agreement = agreements.create_agreement(client=household, version=version, actor="owner@example.com")
        signers.set_signers(
            agreement,
            [
                signers.SignerRequest(contact=owner, role="Owner", email_code=True),
                signers.SignerRequest(contact=finance, role="Finance lead", email_code=False),
            ],
            in_order=True,
        )
        assert signers.send_to_signers(agreement, actor="owner@example.com") == 1
    return tenant, agreement


def test_two_signers_sign_in_order_and_anyone_can_verify_the_pdf(
    phone_page, page, two_signers_in_order, tmp_path
):
    tenant, agreement = two_signers_in_order
    (invitation,) = mail.outbox
    assert invitation.to == [OWNER]  # the finance lead hears only once the owner has signed

    # The owner opens the link on a phone: before signing, a code proves the email reached them.
    phone_page.goto(link_in(invitation))
    expect(phone_page.locator("#co-signers")).to_contain_text("Lee Whitaker (Finance lead)")
    expect(phone_page.get_by_role("button", name="Sign agreement")).to_have_count(0)
    phone_page.get_by_role("button", name="Email me a code").click()
    code_email = emails_to(OWNER)[-1]
    code = re.search(r"\b(\d{6})\b", code_email.subject)[1]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    phone_page.get_by_label("Code from the email").fill(wrong)
    phone_page.get_by_role("button", name="Confirm code").click()
    expect(phone_page.get_by_text("That code is not right: 4 tries left.")).to_be_visible()
    phone_page.get_by_label("Code from the email").fill(code)
    phone_page.get_by_role("button", name="Confirm code").click()
    expect(phone_page.locator("#email-confirmed")).to_contain_text(OWNER)

    # They draw their signature with a finger, tick both boxes, type their name and sign.
    draw_with_a_finger(phone_page)
    assert phone_page.locator("[data-signature-pad-input]").input_value().startswith("data:image/png;base64,")
    phone_page.get_by_label("I agree to use electronic records and signatures").check()
    phone_page.get_by_label(
        "I have read the agreement and I sign it on behalf of Whitaker Residence."
    ).check()
    phone_page.get_by_label("Your full name").fill("Dana Whitaker")
    phone_page.get_by_role("button", name="Sign agreement").click(timeout=60_000)  # renders and seals the PDF
    expect(phone_page.get_by_role("heading", name="Thank you, you've signed")).to_be_visible()
    expect(phone_page.get_by_text("once Lee Whitaker (Finance lead) has signed too")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"

    with tenant_scope(tenant):
        agreement.refresh_from_db()
        assert agreement.status == AgreementStatus.SENT
        first = Signature.objects.get(agreement=agreement, contact__email=OWNER)
        assert first.drawn_signature
        assert first.email_verified_at is not None

    # Only now is the finance lead invited; they sign on a desktop with their typed name.
    (second_invitation,) = [m for m in emails_to(FINANCE) if "please review and sign" in m.subject]
    page.goto(link_in(second_invitation))
    expect(page.get_by_role("button", name="Email me a code")).to_have_count(0)
    page.get_by_label("I agree to use electronic records and signatures").check()
    page.get_by_label("I have read the agreement and I sign it on behalf of Whitaker Residence.").check()
    page.get_by_label("Your full name").fill("Lee Whitaker")
    page.get_by_role("button", name="Sign agreement").click(timeout=60_000)  # renders and seals the PDF
    expect(page.get_by_role("heading", name="Thank you, it's signed")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the signed PDF").click()
    download_info.value.save_as(tmp_path / "signed.pdf")
    pdf = (tmp_path / "signed.pdf").read_bytes()

    with tenant_scope(tenant):
        agreement.refresh_from_db()
        assert agreement.status == AgreementStatus.ACTIVE
        assert set(Signer.objects.values_list("status", flat=True)) == {SignerStatus.SIGNED}

    # The PDF shows both signatures: the drawn one as an image, both typed names, the code check.
    text = pdf_text(pdf)
    assert "Signer 1: Dana Whitaker" in text
    assert "Signer 2: Lee Whitaker" in text
    assert "Owner" in text
    assert "Finance lead" in text
    assert "With a one-time code sent to that address" in text
    assert pdf_images(pdf) >= 1

    # The event bus sends every signer the very same PDF, and the company its copy.
    dispatch_pending()
    for address in (OWNER, FINANCE, "office@northwind.example"):
        (copy,) = [m for m in emails_to(address) if "Signed" in m.subject or "signed copy" in m.subject]
        (attachment,) = copy.attachments
        assert attachment[1] == pdf, f"{address} got another file"

    # Anyone holding the PDF checks it on the public page, with no sign-in.
    page.context.clear_cookies()
    page.goto("/verify/")
    page.get_by_label("Signed PDF").set_input_files(tmp_path / "signed.pdf")
    page.get_by_role("button", name="Verify").click()
    result = page.get_by_role("region", name=re.compile("This is a document signed with Northwind AV"))
    expect(result).to_contain_text("Match")
    expect(result).to_contain_text(f"Agreement {agreement.pk}")
    expect(result).to_contain_text("Dana Whitaker, Owner")
    expect(result).to_contain_text("Lee Whitaker, Finance lead")
    expect(page.get_by_role("region", name=re.compile("Seal intact"))).to_be_visible()

    middle = len(pdf) // 2
    changed = pdf[:middle] + bytes([pdf[middle] ^ 1]) + pdf[middle + 1 :]
    page.get_by_label("Signed PDF").set_input_files(
        files=[{"name": "signed.pdf", "mimeType": "application/pdf", "buffer": changed}]
    )
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("region", name=re.compile("Not a signed document"))).to_contain_text("No match")
