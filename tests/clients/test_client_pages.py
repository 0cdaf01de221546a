import pytest
from django.urls import reverse

from clients.models import Client, Contact, Site
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_the_client_list_searches_by_name_email_and_contact(staff_client, tenant):
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence")
    ClientFactory(tenant=tenant, name="Okafor Dental Group")
    ContactFactory(client=whitaker, full_name="Priya Lindqvist")
    page = staff_client.get(reverse("clients:list"), {"q": "lindq"}).content.decode()
    assert "Whitaker Residence" in page
    assert "Okafor Dental Group" not in page
    assert "1 client matching" in page


def test_an_htmx_search_returns_only_the_results_fragment(staff_client, tenant):
    ClientFactory(tenant=tenant, name="Whitaker Residence")
    response = staff_client.get(reverse("clients:list"), {"q": "whit"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Whitaker Residence" in html
    assert "<html" not in html
    assert 'role="search"' not in html


def test_an_empty_client_list_says_what_to_do_next(staff_client):
    assert "Add your first client" in staff_client.get(reverse("clients:list")).content.decode()


def test_creating_a_client_goes_to_its_page(staff_client, tenant):
    response = staff_client.post(
        reverse("clients:create"), {"name": "Moreau Lake House", "managed_endpoints": "42", "email": ""}
    )
    with tenant_scope(tenant):
        client = Client.objects.get(name="Moreau Lake House")
    assert response.status_code == 302
    assert response.url == reverse("clients:detail", args=[client.pk])
    assert client.managed_endpoints == 42


def test_a_duplicate_client_name_is_refused_and_what_was_typed_is_kept(staff_client, tenant):
    ClientFactory(tenant=tenant, name="Whitaker Residence")
    response = staff_client.post(
        reverse("clients:create"),
        {"name": "whitaker residence", "managed_endpoints": "7", "phone": "555 0101"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Another active client already has this name." in html
    assert 'value="555 0101"' in html
    assert 'aria-invalid="true"' in html


def test_another_tenant_may_use_the_same_client_name(staff_client, other_tenant):
    ClientFactory(tenant=other_tenant, name="Whitaker Residence")
    response = staff_client.post(
        reverse("clients:create"), {"name": "Whitaker Residence", "managed_endpoints": "1"}
    )
    assert response.status_code == 302


def test_archiving_hides_a_client_and_restoring_brings_it_back(staff_client, a_client, tenant):
    staff_client.post(reverse("clients:archive", args=[a_client.pk]), {"action": "archive"}, follow=True)
    assert "Whitaker Residence" not in staff_client.get(reverse("clients:list")).content.decode()
    assert (
        "Whitaker Residence" in staff_client.get(reverse("clients:list"), {"archived": "1"}).content.decode()
    )
    staff_client.post(reverse("clients:archive", args=[a_client.pk]), {"action": "restore"})
    with tenant_scope(tenant):
        assert Client.objects.get(pk=a_client.pk).archived_at is None


def test_a_client_cannot_be_restored_while_another_active_client_has_its_name(staff_client, a_client, tenant):
    staff_client.post(reverse("clients:archive", args=[a_client.pk]), {"action": "archive"})
    ClientFactory(tenant=tenant, name="Whitaker Residence")
    response = staff_client.post(
        reverse("clients:archive", args=[a_client.pk]), {"action": "restore"}, follow=True
    )
    assert "already has this name" in response.content.decode()
    with tenant_scope(tenant):
        assert Client.objects.get(pk=a_client.pk).archived_at is not None


def test_adding_a_contact_and_making_them_primary_demotes_the_previous_one(staff_client, a_client, tenant):
    first = ContactFactory(client=a_client, is_primary=True)
    response = staff_client.post(
        reverse("clients:contact_create", args=[a_client.pk]),
        {"full_name": "Mateo Castillo", "email": "mateo@example.com", "is_primary": "on", "can_sign": "on"},
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        assert Contact.objects.get(full_name="Mateo Castillo").is_primary
        assert not Contact.objects.get(pk=first.pk).is_primary


def test_a_signer_needs_an_email_address(staff_client, a_client):
    response = staff_client.post(
        reverse("clients:contact_create", args=[a_client.pk]), {"full_name": "No Mail", "can_sign": "on"}
    )
    assert "A signer needs an email address" in response.content.decode()


def test_adding_a_site_defaults_to_the_tenants_time_zone_and_rejects_an_unknown_zone(
    staff_client, a_client, tenant
):
    form_page = staff_client.get(reverse("clients:site_create", args=[a_client.pk])).content.decode()
    assert 'value="America/New_York" selected' in form_page
    data = {"name": "Boathouse", "address_line1": "1 Bay St", "city": "Rye", "country": "us",
            "timezone": "Mars/Olympus", "travel_minutes": "20"}  # fmt: skip
    assert (
        "Select a valid choice"
        in staff_client.post(reverse("clients:site_create", args=[a_client.pk]), data).content.decode()
    )
    data["timezone"] = "America/New_York"
    assert staff_client.post(reverse("clients:site_create", args=[a_client.pk]), data).status_code == 302
    with tenant_scope(tenant):
        site = Site.objects.get(name="Boathouse")
    assert (site.country, site.travel_minutes) == ("US", 20)


def test_archived_contacts_and_sites_are_hidden_until_asked_for(staff_client, a_client):
    contact = ContactFactory(client=a_client, full_name="Gone Person")
    site = SiteFactory(client=a_client, name="Old Office")
    staff_client.post(
        reverse("clients:contact_archive", args=[contact.pk]), {"action": "archive"}, follow=True
    )
    staff_client.post(reverse("clients:site_archive", args=[site.pk]), {"action": "archive"}, follow=True)
    page_url = reverse("clients:detail", args=[a_client.pk])
    page = staff_client.get(page_url).content.decode()
    assert "Gone Person" not in page
    assert "Old Office" not in page
    page = staff_client.get(page_url, {"archived": "1"}).content.decode()
    assert "Gone Person" in page
    assert "Old Office" in page


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.BILLING, Role.READ_ONLY])
def test_roles_without_clients_manage_can_look_but_not_change(client, login_as, tenant, role):
    login_as(tenant, role)
    a_client = ClientFactory(tenant=tenant)
    assert client.get(reverse("clients:detail", args=[a_client.pk])).status_code == 200
    assert "Add a client" not in client.get(reverse("clients:list")).content.decode()
    assert client.get(reverse("clients:create")).status_code == 403
    assert client.post(reverse("clients:archive", args=[a_client.pk])).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
