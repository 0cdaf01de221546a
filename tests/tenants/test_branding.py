"""The company's logo, colour and reply-to address: checked on the way in, shown on the portal, in client
emails and on PDFs, and served only through views that check the tenant."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.links import send_tickets_link
from portal.models import LinkPurpose
from tenants import branding
from tenants.models import Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ContactFactory, PortalLinkFactory

pytestmark = pytest.mark.django_db

SETTINGS = {"name": "Harbor AV", "timezone": "America/Chicago", "reply_to_email": "support@harbor-av.example"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def image_file(name="logo.png", image_format="PNG", size=(240, 60), colour=(31, 78, 121)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def upload_logo(staff_client, upload):
    return staff_client.post(reverse("tenants:logo"), {"logo": upload})


# --- Colour ------------------------------------------------------------------------------------------


def test_text_on_the_brand_colour_is_whichever_of_white_or_black_reads_better():
    assert branding.text_colour_on("#1f4e79") == "#ffffff"
    assert branding.text_colour_on("#ffd500") == "#000000"
    for colour in ("#1f4e79", "#ffd500", "#777777", "#00ff00", "#ff0000"):
        text = branding.text_colour_on(colour)
        assert branding.contrast_ratio(colour, text) >= 4.5, colour


def test_a_light_brand_colour_does_not_colour_text_on_white_pages(tenant):
    tenant.brand_colour = "#ffd500"
    brand = branding.brand_for(tenant)
    assert (brand.colour, brand.text_on_colour, brand.ink) == ("#ffd500", "#000000", branding.DEFAULT_COLOUR)
    tenant.brand_colour = "#7a1f5c"
    assert branding.brand_for(tenant).ink == "#7a1f5c"


@pytest.mark.parametrize(("typed", "saved"), [("#1F4E79", "#1f4e79"), ("0a0", "#00aa00"), ("", "")])
def test_a_colour_is_saved_as_lower_case_rrggbb(typed, saved):
    assert branding.normalise_colour(typed) == saved


def test_the_owner_sets_the_brand_colour_on_the_company_settings_page(staff_client, tenant):
    response = staff_client.post(reverse("tenants:company"), SETTINGS | {"brand_colour": "#7A1F5C"})
    assert response.status_code == 302
    assert Tenant.objects.get(pk=tenant.pk).brand_colour == "#7a1f5c"


@pytest.mark.parametrize("colour", ["red", "#12345", "url(javascript:x)", "#1f4e79;}body{display:none"])
def test_anything_but_a_hex_colour_is_refused_and_nothing_changes(staff_client, tenant, colour):
    response = staff_client.post(reverse("tenants:company"), SETTINGS | {"brand_colour": colour})
    assert response.status_code == 400
    assert "hex code" in response.content.decode() or "at most 7 characters" in response.content.decode()
    assert Tenant.objects.get(pk=tenant.pk).name == tenant.name


# --- Logo ---------------------------------------------------------------------------------------------


def test_the_owner_uploads_a_logo_stored_under_the_tenant_and_served_to_its_staff(
    staff_client, tenant, media
):
    response = upload_logo(staff_client, image_file("Our Logo.PNG"))
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert re.fullmatch(rf"tenants/{tenant.pk}/branding/logo-[0-9a-f]{{32}}\.png", tenant.logo.name)
    assert (media / tenant.logo.name).exists()
    assert tenant.logo_type == "image/png"

    served = staff_client.get(reverse("tenants:logo"))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served.content == (media / tenant.logo.name).read_bytes()
    assert reverse("tenants:logo") in staff_client.get(reverse("tenants:company")).content.decode()


def test_a_jpeg_or_webp_logo_is_accepted_whatever_its_name_says(staff_client, tenant):
    assert upload_logo(staff_client, image_file("logo.png", "JPEG")).status_code == 302
    tenant.refresh_from_db()
    assert (tenant.logo_type, tenant.logo.name[-4:]) == ("image/jpeg", ".jpg")
    assert upload_logo(staff_client, image_file("logo", "WEBP")).status_code == 302
    assert Tenant.objects.get(pk=tenant.pk).logo_type == "image/webp"


@pytest.mark.parametrize(
    ("upload", "says"),
    [
        (
            SimpleUploadedFile(
                "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
            ),
            "not an image we accept",
        ),
        (SimpleUploadedFile("logo.png", b"<html><script>alert(1)</script></html>"), "not an image we accept"),
        (image_file("logo.gif", "GIF"), "not accepted"),
        (image_file(size=(2400, 300)), "2400 × 300 pixels"),
        (SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024)), "larger than 1 MB"),
    ],
    ids=["svg", "html-named-png", "gif", "too-wide", "too-heavy"],
)
def test_a_logo_that_is_not_a_small_png_jpeg_or_webp_is_refused_and_nothing_changes(
    staff_client, tenant, media, upload, says
):
    response = upload_logo(staff_client, upload)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not Tenant.objects.get(pk=tenant.pk).logo
    assert not any(media.rglob("*.*"))


def test_replacing_the_logo_deletes_the_old_file_and_removing_it_leaves_the_name(
    staff_client, tenant, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload_logo(staff_client, image_file())
    first = Tenant.objects.get(pk=tenant.pk).logo.name
    with django_capture_on_commit_callbacks(execute=True):
        upload_logo(staff_client, image_file(colour=(200, 0, 0)))
    assert not (media / first).exists()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("tenants:logo"), {"action": "remove"})
    assert not Tenant.objects.get(pk=tenant.pk).logo
    assert not any(media.rglob("*.png"))
    assert staff_client.get(reverse("tenants:logo")).status_code == 404


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.TECHNICIAN, Role.READ_ONLY])
def test_other_roles_see_the_logo_but_cannot_change_it(client, login_as, tenant, role):
    login_as(tenant, role)
    assert client.post(reverse("tenants:logo"), {"logo": image_file()}).status_code == 403
    assert not Tenant.objects.get(pk=tenant.pk).logo


def test_staff_of_another_tenant_get_their_own_logo_never_this_one(client, login_as, tenant, other_tenant):
    owner = login_as(tenant)
    upload_logo(client, image_file())
    client.logout()
    login_as(other_tenant)
    assert client.get(reverse("tenants:logo")).status_code == 404
    assert owner  # the first tenant's logo exists, and the second's staff cannot reach it by any URL


# --- The portal ---------------------------------------------------------------------------------------


@pytest.fixture
def branded(staff_client, tenant):
    staff_client.post(reverse("tenants:company"), SETTINGS | {"brand_colour": "#7a1f5c"})
    upload_logo(staff_client, image_file())
    staff_client.logout()
    return Tenant.objects.get(pk=tenant.pk)


@pytest.fixture
def tickets_link(branded, a_client):
    contact = ContactFactory(client=a_client, full_name="Dana Whitaker", email="dana@whitaker.example")
    return PortalLinkFactory(contact=contact, purpose=LinkPurpose.TICKETS)


def test_the_portal_wears_the_tenants_logo_and_colour_under_the_csp(client, branded, tickets_link):
    response = client.get(reverse("portal:tickets", kwargs={"token": tickets_link.token}))
    page = response.content.decode()
    logo_url = reverse("portal:logo", kwargs={"token": tickets_link.token})
    assert f'src="{logo_url}?v=' in page
    assert 'alt="Harbor AV logo"' in page
    nonce = re.search(
        r'<style nonce="([^"]+)">:root\{--portal-primary:#7a1f5c;--portal-on-primary:#ffffff;', page
    )
    assert nonce, page[:2000]
    assert f"'nonce-{nonce[1]}'" in response["Content-Security-Policy"]

    logo = client.get(logo_url)
    assert logo.status_code == 200
    assert logo["Content-Type"] == "image/png"
    assert logo["X-Content-Type-Options"] == "nosniff"


def test_a_portal_link_serves_its_own_tenants_logo_only(client, branded, other_tenant):
    from tests.factories import ClientFactory

    rival_contact = ContactFactory(client=ClientFactory(tenant=other_tenant), email="x@rival.example")
    rival_link = PortalLinkFactory(contact=rival_contact, purpose=LinkPurpose.TICKETS)
    assert client.get(reverse("portal:logo", kwargs={"token": rival_link.token})).status_code == 404
    assert client.get(reverse("portal:logo", kwargs={"token": "x" * 43})).status_code in (403, 404, 410)


def test_without_a_logo_the_portal_shows_the_initial_and_no_logo_url(client, tenant, a_client):
    contact = ContactFactory(client=a_client, email="dana@whitaker.example")
    link = PortalLinkFactory(contact=contact, purpose=LinkPurpose.TICKETS)
    page = client.get(reverse("portal:tickets", kwargs={"token": link.token})).content.decode()
    assert "portal-mark" in page
    assert "/logo/" not in page
    assert "--portal-primary:#1f4e79;" in page


# --- Emails -------------------------------------------------------------------------------------------


def test_client_emails_carry_the_reply_to_the_logo_inline_and_the_brand_colour(branded, a_client):
    contact = ContactFactory(client=a_client, email="dana@whitaker.example")
    with tenant_scope(branded):
        send_tickets_link(contact)
    (message,) = mail.outbox
    assert message.reply_to == ["support@harbor-av.example"]
    assert message.from_email.startswith('"Harbor AV"') or message.from_email.startswith("Harbor AV")
    html = message.alternatives[0][0]
    assert 'src="cid:tenant-logo"' in html
    assert "background:#7a1f5c" in html
    raw = message.message()
    assert raw.get_content_subtype() == "related"
    images = [part for part in raw.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1
    assert images[0]["Content-ID"] == "<tenant-logo>"


def test_one_helper_gives_every_email_its_from_and_reply_to(tenant):
    tenant.reply_to_email = "desk@harbor-av.example"
    headers = branding.email_headers(tenant)
    assert headers.reply_to == ["desk@harbor-av.example"]
    assert tenant.name in headers.from_email
    assert branding.email_headers(tenant, reply_to="tech@harbor-av.example").reply_to == [
        "tech@harbor-av.example"
    ]
    tenant.reply_to_email = ""
    assert branding.email_headers(tenant).reply_to is None


# --- PDFs ---------------------------------------------------------------------------------------------


def test_pdfs_embed_the_logo_as_a_data_uri_and_use_the_brand_ink(branded):
    context = branding.pdf_context(branded)
    assert context["brand_logo"].startswith("data:image/png;base64,")
    assert "color: #7a1f5c" in branding.pdf_css(branded)
    branded.logo = ""
    assert branding.pdf_context(branded)["brand_logo"] == ""
