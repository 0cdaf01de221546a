"""Staff and portal pages answer malformed input with a plain 4xx page, not a 500: a NUL character in the
address, the query string or a form field (PostgreSQL refuses NUL in text), and a body over
DATA_UPLOAD_MAX_MEMORY_SIZE (413). The API's answers are in tests/api/test_malformed_input.py."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from clients.models import Client
from tenants.scope import tenant_scope
from tests.factories import ContactFactory, PortalLinkFactory

pytestmark = pytest.mark.django_db


def refused(response, status: int, words: str) -> str:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert words in page
    return page


@pytest.fixture
def portal_link(tenant):
    return PortalLinkFactory(contact=ContactFactory(tenant=tenant), purpose="tickets", agreement=None)


def test_a_nul_in_the_staff_client_search_is_a_400_page(staff_client, tenant):
    page = refused(staff_client.get("/clients/?q=%00"), 400, "Not accepted (400)")
    assert "The query string contains a NUL character" in page
    assert staff_client.get("/clients/?q=Whitaker").status_code == 200


def test_a_nul_in_a_staff_form_field_is_a_400_page_and_nothing_is_saved(staff_client, tenant):
    response = staff_client.post(reverse("clients:create"), {"name": "Nul\x00Residence", "email": ""})
    refused(response, 400, "The form contains a NUL character")
    with tenant_scope(tenant):
        assert not Client.objects.exists()


def test_a_nul_in_the_address_is_a_400_page(staff_client):
    refused(staff_client.get("/clients/%00/"), 400, "The address contains a NUL character")


def test_a_nul_in_a_portal_link_token_is_a_400_page(client):
    refused(client.get("/portal/abc%00def/tickets/"), 400, "The address contains a NUL character")


def test_a_nul_in_a_portal_ticket_form_is_a_400_page(client, portal_link):
    url = reverse("portal:ticket_new", kwargs={"token": portal_link.token})
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "No picture\x00", "description": "Dark"})
    refused(response, 400, "The form contains a NUL character")


def test_a_form_over_the_size_limit_is_a_413_page(staff_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = urlencode({"name": "Big", "notes": "x" * 20_000})
    response = staff_client.post(
        reverse("clients:create"), body, content_type="application/x-www-form-urlencoded"
    )
    page = refused(response, 413, "Too much to send (413)")
    assert "larger than the limit of 10,000 bytes" in page


def test_a_twenty_megabyte_portal_post_is_a_413_page(client, portal_link):
    url = reverse("portal:ticket_new", kwargs={"token": portal_link.token})
    response = client.post(url, {"title": "Huge", "description": "x" * (20 * 1024 * 1024)})
    refused(response, 413, "Too much to send (413)")


def test_an_upload_with_small_fields_is_not_cut_by_the_body_limit(staff_client, settings):
    """Files do not count towards DATA_UPLOAD_MAX_MEMORY_SIZE: a multipart body larger than the limit with
    small fields reaches the view (the verify page here, which reads the uploaded PDF)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    upload = SimpleUploadedFile("contract.pdf", b"%PDF-1.7\n" + b"0" * 50_000, content_type="application/pdf")
    response = staff_client.post(reverse("contract_verify:verify"), {"pdf": upload})
    assert response.status_code not in (400, 413, 500)


def test_a_form_field_over_the_limit_inside_an_upload_is_a_413_page(staff_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = staff_client.post(reverse("clients:create"), {"name": "x" * 5_000})  # multipart
    refused(response, 413, "Too much to send (413)")
