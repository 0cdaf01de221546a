"""Acceptance: on a phone, the portal wears the tenant's logo and colour (under the strict CSP: the
`phone_page` fixture fails the test on any violation), and a client adds a photo to their ticket, which
the staff page then lists. Set SHOTS_DIR to keep screenshots of both pages."""

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from portal.models import LinkPurpose
from tenants import services as tenant_services
from tenants.scope import tenant_scope
from tests.factories import (
    ClientFactory,
    ContactFactory,
    PortalLinkFactory,
    TenantFactory,
    TicketFactory,
    sla_desk,
)
from tickets.models import TicketAttachment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png(size, colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


class Upload(io.BytesIO):
    name = "logo.png"

    @property
    def size(self):
        return len(self.getvalue())


@pytest.fixture
def branded_ticket(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tenant = TenantFactory(name="Northwind AV")
    sla_desk(tenant)
    with tenant_scope(tenant):
        tenant_services.update_company_settings(
            tenant, name="Northwind AV", timezone="America/New_York", brand_colour="#ffc20e"
        )
        tenant_services.replace_logo(tenant, upload=Upload(png((320, 80), (20, 60, 120))))
    household = ClientFactory(tenant=tenant, name="Whitaker Residence")
    dana = ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")
    ticket = TicketFactory(client=household, contact=dana, title="No picture on the lounge TV")
    link = PortalLinkFactory(contact=dana, purpose=LinkPurpose.TICKETS)
    return tenant, ticket, link.token, tmp_path


def shoot(page, name):
    if os.environ.get("SHOTS_DIR"):
        page.screenshot(path=str(Path(os.environ["SHOTS_DIR"]) / name), full_page=True)


def test_a_client_sees_the_brand_and_adds_a_photo_on_a_phone(phone_page, branded_ticket):
    tenant, ticket, token, tmp_path = branded_ticket
    page = phone_page
    page.goto(f"/portal/{token}/tickets/{ticket.pk}/")

    logo = page.get_by_role("img", name="Northwind AV logo")
    expect(logo).to_be_visible()
    assert page.evaluate("document.querySelector('img.portal-logo, .portal-logo img').naturalWidth") == 320
    header = page.locator(".portal-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 194, 14)"
    assert header.evaluate("e => getComputedStyle(e).color") == "rgb(0, 0, 0)"  # readable on yellow

    photo = tmp_path / "IMG_0042.png"
    photo.write_bytes(png((640, 480), (180, 30, 30)))
    page.get_by_label("Choose photos or files").set_input_files(str(photo))
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("can see what you sent")).to_be_visible()
    expect(page.get_by_role("link", name="IMG_0042.png")).to_be_visible()

    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "portal-ticket-phone.png")

    with tenant_scope(tenant):
        stored = TicketAttachment.objects.select_related("uploaded_by_contact").get(ticket=ticket)
    assert stored.content_type == "image/png"
    assert stored.uploaded_by_contact.full_name == "Dana Whitaker"
    # The photo opens from the portal (the same origin, through the checking view).
    response = page.request.get(f"/portal/{token}/tickets/{ticket.pk}/files/{stored.pk}/")
    assert response.status == 200
    assert response.headers["x-content-type-options"] == "nosniff"


def test_staff_see_the_clients_photo_on_the_ticket_page(page, sign_in, branded_ticket):
    from tests.factories import StaffMembershipFactory

    tenant, ticket, _token, tmp_path = branded_ticket
    photo = tmp_path / "router.log"
    photo.write_text("Link down at 08:02\n")
    owner = StaffMembershipFactory(tenant=tenant).user
    sign_in(page, owner)
    page.goto(f"/tickets/{ticket.pk}/")
    page.get_by_label("Add files").set_input_files(str(photo))
    page.get_by_role("button", name="Attach as internal").click()
    expect(page.get_by_text("router.log attached (kept internal).")).to_be_visible()
    expect(page.get_by_role("link", name="router.log")).to_be_visible()
    shoot(page, "staff-ticket-files.png")
    page.goto("/company/")
    expect(page.get_by_role("img", name="Northwind AV's current logo")).to_be_visible()
    shoot(page, "company-settings.png")
