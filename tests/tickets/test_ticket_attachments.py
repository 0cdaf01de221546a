"""Files on tickets from staff and the partner API: checked by content, stored under the tenant and the
ticket, listed on the ticket's page, and served only to the tenant's staff."""

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.api.conftest import api_client, check_error
from tests.factories import ClientFactory, TicketFactory, api_key_for
from tickets import attachments
from tickets.models import TicketAttachment, TicketEvent

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 500
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"1 0 obj << >> endobj\n" * 20
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 100
ZIP = b"PK\x03\x04" + b"\x00" * 100


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def ticket(tenant):
    return TicketFactory(client=ClientFactory(tenant=tenant, name="Whitaker Residence"))


def attach_url(ticket):
    return reverse("tickets:attach", args=[ticket.pk])


def files_of(tenant, ticket):
    with tenant_scope(tenant):
        return list(TicketAttachment.objects.filter(ticket=ticket))


# --- What is accepted ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("IMG_0042.jpg", JPEG, "image/jpeg"),
        ("photo", PNG, "image/png"),
        ("IMG_0043.HEIC", HEIC, "image/heic"),
        ("shot.webp", WEBP, "image/webp"),
        ("manual.pdf", PDF, "application/pdf"),
        ("logs.zip", ZIP, "application/zip"),
        ("router.log", "Link down at 08:02 – café\n".encode(), "text/plain"),
        ("ports.csv", b"port,state\n1,up\n", "text/csv"),
    ],
)
def test_photos_documents_archives_and_text_are_recognised_by_content(name, content, content_type):
    assert attachments.sniff_content_type(content[:4096], name) == content_type


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b"<html><script>alert(1)</script></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("notes.txt", b"\x00\x01\x02binary"),
        ("page.html", b"<p>hello</p>"),
    ],
)
def test_anything_else_is_refused_whatever_its_name_says(name, content):
    assert attachments.sniff_content_type(content, name) is None


def test_a_download_name_keeps_the_uploaded_name_but_ends_as_what_the_file_is():
    assert attachments.clean_name("IMG_0042.JPG", "image/jpeg") == "IMG_0042.JPG"
    assert attachments.clean_name("../../etc/passwd", "text/plain") == "passwd.txt"
    assert attachments.clean_name("invoice.html", "application/pdf") == "invoice.html.pdf"
    assert attachments.clean_name('a<b>"c".png', "image/png") == "a b c .png"


# --- Staff ---------------------------------------------------------------------------------------------


def test_staff_attach_several_files_stored_under_the_tenant_and_the_ticket(
    staff_client, tenant, ticket, media
):
    response = staff_client.post(
        attach_url(ticket),
        {"files": [upload("IMG_0042.jpg", JPEG), upload("manual.pdf", PDF)], "visibility": "public"},
    )
    assert response.status_code == 302
    jpeg, pdf = files_of(tenant, ticket)
    assert (jpeg.original_name, jpeg.content_type, jpeg.size) == ("IMG_0042.jpg", "image/jpeg", len(JPEG))
    assert jpeg.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert (pdf.content_type, pdf.is_public) == ("application/pdf", True)
    for stored in (jpeg, pdf):
        assert re.fullmatch(rf"tenants/{tenant.pk}/tickets/{ticket.pk}/[0-9a-f]{{32}}", stored.file.name)
    assert (media / jpeg.file.name).read_bytes() == JPEG
    assert jpeg.uploaded_by_label.endswith(">")  # "Full Name <email>"

    page = staff_client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "IMG_0042.jpg" in page
    assert "manual.pdf" in page
    assert reverse("tickets:attachment", args=[ticket.pk, jpeg.pk]) in page
    with tenant_scope(tenant):
        event = TicketEvent.objects.get(ticket=ticket, kind="attachment.added")
    assert event.details["files"] == ["IMG_0042.jpg", "manual.pdf"]


def test_a_photo_is_shown_inline_and_anything_else_downloads_never_sniffed(staff_client, tenant, ticket):
    staff_client.post(
        attach_url(ticket), {"files": [upload("IMG_0042.jpg", JPEG), upload("manual.pdf", PDF)]}
    )
    jpeg, pdf = files_of(tenant, ticket)

    photo = staff_client.get(reverse("tickets:attachment", args=[ticket.pk, jpeg.pk]))
    assert photo["Content-Type"] == "image/jpeg"
    assert photo["Content-Disposition"].startswith("inline")
    assert b"".join(photo.streaming_content) == JPEG

    document = staff_client.get(reverse("tickets:attachment", args=[ticket.pk, pdf.pk]))
    assert document["Content-Type"] == "application/pdf"
    assert document["Content-Disposition"] == 'attachment; filename="manual.pdf"'
    for response in (photo, document):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert response["Cache-Control"] == "private, no-store"


def test_one_refused_file_stores_none_and_says_which_and_why(staff_client, tenant, ticket, media):
    response = staff_client.post(
        attach_url(ticket),
        {"files": [upload("IMG_0042.jpg", JPEG), upload("photo.jpg", b"<html><script>x</script></html>")]},
        follow=True,
    )
    page = response.content.decode()
    assert "photo.jpg is not a type of file we accept." in page
    assert "Accepted: Photos (JPEG, PNG, WebP, HEIC)" in page
    assert files_of(tenant, ticket) == []
    assert not [path for path in media.rglob("*") if path.is_file()]


def test_a_file_over_10_mb_is_refused_with_a_clear_message(staff_client, tenant, ticket):
    big = upload("video.zip", ZIP + b"\x00" * (attachments.MAX_FILE_BYTES - len(ZIP) + 1))
    page = staff_client.post(attach_url(ticket), {"files": [big]}, follow=True).content.decode()
    assert "video.zip is larger than 10 MB." in page
    assert files_of(tenant, ticket) == []


def test_more_than_ten_files_or_none_at_all_are_refused(staff_client, tenant, ticket):
    many = [upload(f"IMG_{n}.jpg", JPEG) for n in range(11)]
    assert (
        "At most 10 files"
        in staff_client.post(attach_url(ticket), {"files": many}, follow=True).content.decode()
    )
    assert (
        "Choose at least one file." in staff_client.post(attach_url(ticket), {}, follow=True).content.decode()
    )
    assert files_of(tenant, ticket) == []


def test_an_upload_larger_than_any_accepted_one_is_refused_before_it_is_read(
    settings, staff_client, tenant, ticket
):
    limit = settings.ACCORD_UPLOAD_MAX_REQUEST_BYTES
    assert limit >= attachments.MAX_FILES * attachments.MAX_FILE_BYTES
    response = staff_client.post(
        attach_url(ticket), {"files": [upload("IMG_0042.jpg", JPEG)]}, CONTENT_LENGTH=str(limit + 1)
    )
    assert response.status_code == 413
    assert f"larger than the limit of {limit:,} bytes" in response.content.decode()
    assert files_of(tenant, ticket) == []


def test_read_only_staff_see_files_but_cannot_add_them(client, login_as, tenant, ticket):
    login_as(tenant, Role.READ_ONLY)
    assert client.post(attach_url(ticket), {"files": [upload("IMG_0042.jpg", JPEG)]}).status_code == 403
    assert files_of(tenant, ticket) == []


def test_another_tenants_ticket_or_file_is_a_404(client, login_as, tenant, other_tenant, ticket):
    login_as(tenant)
    client.post(attach_url(ticket), {"files": [upload("IMG_0042.jpg", JPEG)]})
    (photo,) = files_of(tenant, ticket)
    client.logout()

    login_as(other_tenant)
    assert client.get(reverse("tickets:attachment", args=[ticket.pk, photo.pk])).status_code == 404
    assert client.post(attach_url(ticket), {"files": [upload("x.jpg", JPEG)]}).status_code == 404
    rival_ticket = TicketFactory(client=ClientFactory(tenant=other_tenant))
    # The file's id under a ticket of the caller's own tenant finds nothing either.
    assert client.get(reverse("tickets:attachment", args=[rival_ticket.pk, photo.pk])).status_code == 404
    assert len(files_of(tenant, ticket)) == 1


# --- The partner API -------------------------------------------------------------------------------------


def api_url(ticket, *rest):
    return f"/api/v1/tickets/{ticket.pk}/attachments/" + "".join(f"{part}/" for part in rest)


def test_the_api_lists_and_takes_files_as_multipart(tenant, ticket):
    _, key = api_key_for(tenant, ["tickets:read", "tickets:write"])
    api = api_client(key)
    created = api.post(
        api_url(ticket), {"files": [upload("IMG_0042.jpg", JPEG)], "is_public": "false"}, format="multipart"
    )
    assert created.status_code == 201, created.content
    (body,) = created.json()
    assert body["original_name"] == "IMG_0042.jpg"
    assert body["content_type"] == "image/jpeg"
    assert body["is_public"] is False
    assert body["uploaded_by_name"].startswith("API key")
    assert body["sha256"] == hashlib.sha256(JPEG).hexdigest()

    listed = api.get(api_url(ticket))
    assert [item["id"] for item in listed.json()] == [body["id"]]
    content = api.get(body["download_url"])
    assert content.status_code == 200
    assert b"".join(content.streaming_content) == JPEG
    assert content["X-Content-Type-Options"] == "nosniff"


def test_the_api_refuses_a_file_by_its_content_in_the_error_format(tenant, ticket):
    _, key = api_key_for(tenant, ["tickets:write", "tickets:read"])
    response = api_client(key).post(
        api_url(ticket), {"files": [upload("photo.jpg", b"<html></html>")]}, format="multipart"
    )
    body = check_error(response, 400)
    assert body["errors"][0]["attr"] == "files"
    assert "photo.jpg is not a type of file we accept." in [error["detail"] for error in body["errors"]]
    assert files_of(tenant, ticket) == []


def test_the_api_answers_404_for_another_tenants_ticket_and_403_without_the_scope(
    tenant, other_tenant, ticket
):
    _, rival_key = api_key_for(other_tenant, ["read", "write"])
    rival = api_client(rival_key)
    check_error(rival.get(api_url(ticket)), 404)
    check_error(rival.post(api_url(ticket), {"files": [upload("x.jpg", JPEG)]}, format="multipart"), 404)
    _, reader_key = api_key_for(tenant, ["tickets:read"], name="Reader")
    check_error(
        api_client(reader_key).post(api_url(ticket), {"files": [upload("x.jpg", JPEG)]}, format="multipart"),
        403,
    )
    assert files_of(tenant, ticket) == []
