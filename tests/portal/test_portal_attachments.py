"""Clients add photos and files to their own tickets from the portal (a phone's camera included), see
theirs and those staff shared, and nothing else; uploads are capped per link and client."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import LinkPurpose
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory, PortalLinkFactory, TicketFactory, sla_desk
from tickets import attachments
from tickets.models import TicketAttachment, TicketStatus

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 500
PDF = b"%PDF-1.7\n" + b"\x01" * 200


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def url(name, token, **kwargs):
    return reverse(f"portal:{name}", kwargs={"token": token, **kwargs})


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def household(tenant):
    sla_desk(tenant)
    return ClientFactory(tenant=tenant, name="Whitaker Residence")


@pytest.fixture
def dana(household):
    return ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")


@pytest.fixture
def token(dana):
    return PortalLinkFactory(contact=dana, purpose=LinkPurpose.TICKETS).token


@pytest.fixture
def ticket(household, dana):
    return TicketFactory(client=household, contact=dana, title="No picture on the lounge TV")


def files_of(tenant, ticket):
    with tenant_scope(tenant):
        return list(TicketAttachment.objects.filter(ticket=ticket).select_related("uploaded_by_contact"))


def test_the_ticket_page_offers_the_camera_and_several_files(client, ticket, token):
    page = client.get(url("ticket", token, pk=ticket.pk)).content.decode()
    assert 'accept="image/*" capture="environment"' in page
    assert 'name="files" id="id_files"' in page
    assert "multiple" in page
    assert "Take a photo" in page


def test_a_client_sends_photos_from_the_portal_and_both_sides_see_them(
    client, tenant, ticket, token, dana, login_as
):
    response = client.post(
        url("ticket_attach", token, pk=ticket.pk),
        {"files": [upload("IMG_0042.JPG", JPEG), upload("IMG_0043.JPG", JPEG)]},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?attached=2#files")
    first, _second = files_of(tenant, ticket)
    assert first.uploaded_by_contact == dana
    assert first.is_public
    assert first.uploaded_by_label == "Dana Whitaker <dana@whitaker.example> (client contact)"

    page = client.get(response["Location"]).content.decode()
    assert "can see what you sent" in page
    assert url("ticket_file", token, pk=ticket.pk, attachment_pk=first.pk) in page
    photo = client.get(url("ticket_file", token, pk=ticket.pk, attachment_pk=first.pk))
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    assert photo["X-Content-Type-Options"] == "nosniff"
    assert b"".join(photo.streaming_content) == JPEG

    client.logout()
    login_as(tenant)
    staff_page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "IMG_0042.JPG" in staff_page
    assert "(client)" in staff_page


def test_a_file_staff_kept_internal_is_neither_listed_nor_served_on_the_portal(client, tenant, ticket, token):
    with tenant_scope(tenant):
        (internal,) = attachments.add_attachments(ticket, uploads=[upload("notes.pdf", PDF)], is_public=False)
        (shared,) = attachments.add_attachments(ticket, uploads=[upload("manual.pdf", PDF)], is_public=True)
    page = client.get(url("ticket", token, pk=ticket.pk)).content.decode()
    assert "manual.pdf" in page
    assert "notes.pdf" not in page
    assert client.get(url("ticket_file", token, pk=ticket.pk, attachment_pk=internal.pk)).status_code == 404
    shared_file = client.get(url("ticket_file", token, pk=ticket.pk, attachment_pk=shared.pk))
    assert shared_file["Content-Disposition"] == 'attachment; filename="manual.pdf"'


def test_another_clients_or_tenants_ticket_and_file_are_404(client, tenant, other_tenant, household, token):
    neighbour = TicketFactory(client=ClientFactory(tenant=tenant, name="Next door"))
    rival = TicketFactory(client=ClientFactory(tenant=other_tenant))
    with tenant_scope(tenant):
        (theirs,) = attachments.add_attachments(neighbour, uploads=[upload("a.jpg", JPEG)])
    with tenant_scope(other_tenant):
        (rivals,) = attachments.add_attachments(rival, uploads=[upload("b.jpg", JPEG)])
    own = TicketFactory(client=household)

    for ticket_pk, file_pk in [(neighbour.pk, theirs.pk), (rival.pk, rivals.pk), (own.pk, theirs.pk)]:
        response = client.get(url("ticket_file", token, pk=ticket_pk, attachment_pk=file_pk))
        assert response.status_code == 404
    for target in (neighbour, rival):
        response = client.post(url("ticket_attach", token, pk=target.pk), {"files": [upload("c.jpg", JPEG)]})
        assert response.status_code == 404
    assert len(files_of(tenant, neighbour)) == 1


def test_a_refused_file_says_why_keeps_nothing_and_uses_up_no_allowance(
    client, tenant, ticket, token, settings
):
    settings.ACCORD_RATE_LIMITS = {**settings.ACCORD_RATE_LIMITS, "portal_attachment_uploads": (1, 3600)}
    response = client.post(
        url("ticket_attach", token, pk=ticket.pk), {"files": [upload("photo.jpg", b"<html></html>")]}
    )
    assert response.status_code == 400
    assert "photo.jpg is not a type of file we accept." in response.content.decode()
    assert files_of(tenant, ticket) == []
    ok = client.post(url("ticket_attach", token, pk=ticket.pk), {"files": [upload("IMG_1.jpg", JPEG)]})
    assert ok.status_code == 302


def test_uploads_past_the_cap_are_refused_with_when_to_try_again(client, tenant, ticket, token, settings):
    settings.ACCORD_RATE_LIMITS = {**settings.ACCORD_RATE_LIMITS, "portal_attachment_uploads": (2, 3600)}
    client.post(url("ticket_attach", token, pk=ticket.pk), {"files": [upload("IMG_1.jpg", JPEG)]})
    response = client.post(
        url("ticket_attach", token, pk=ticket.pk),
        {"files": [upload("IMG_2.jpg", JPEG), upload("IMG_3.jpg", JPEG)]},
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "the most files we take through this page for now (2 per hour)" in response.content.decode()
    assert [f.original_name for f in files_of(tenant, ticket)] == ["IMG_1.jpg"]


def test_a_closed_ticket_takes_no_more_files(client, tenant, ticket, token):
    with tenant_scope(tenant):
        ticket.status = TicketStatus.CLOSED
        ticket.save(update_fields=["status"])
    response = client.post(url("ticket_attach", token, pk=ticket.pk), {"files": [upload("IMG_1.jpg", JPEG)]})
    assert response.status_code == 400
    assert "This ticket is closed." in response.content.decode()
    assert files_of(tenant, ticket) == []
