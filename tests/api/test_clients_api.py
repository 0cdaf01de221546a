"""The partner API's clients, contacts and sites: CRUD through the services, archiving, pages, filters,
validation errors, staff sessions, and JSON errors everywhere under /api/."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.middleware.csrf import _get_new_csrf_string
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.test import APIClient

import tenants.middleware
from api.viewsets import raise_as_drf
from clients.api import ClientSerializer
from clients.models import Client, Contact, Site
from tenants.roles import Role
from tenants.scope import cross_tenant, tenant_scope
from tests.conftest import staff_of
from tests.factories import ClientFactory, ContactFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = {
    "name": "Boathouse",
    "address_line1": "1 Dock Road",
    "city": "Rye",
    "region": "NY",
    "postal_code": "10580",
    "timezone": "America/New_York",
}


def in_tenant(tenant, model, **lookup):
    with tenant_scope(tenant):
        return model.objects.get(**lookup)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def attrs(body) -> set[str]:
    return {error["attr"] for error in body["errors"]}


# --- Clients --------------------------------------------------------------------------------------


def test_a_write_key_creates_reads_updates_and_replaces_a_client(tenant, writer):
    created = writer.post(
        "/api/v1/clients/",
        {"name": "  Harbor House ", "email": "office@harbor.example", "managed_endpoints": 12},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "Harbor House"  # the service trims names
    assert body["archived"] is False
    assert in_tenant(tenant, Client, pk=body["id"]).tenant_id == tenant.pk
    url = f"/api/v1/clients/{body['id']}/"

    assert writer.get(url).json()["email"] == "office@harbor.example"

    patched = writer.patch(url, {"phone": "+1 914 555 0100"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["phone"] == "+1 914 555 0100"
    assert patched.json()["managed_endpoints"] == 12

    replaced = writer.put(url, {"name": "Harbor Hall", "managed_endpoints": 3}, format="json")
    assert replaced.status_code == 200
    client = in_tenant(tenant, Client, pk=body["id"])
    assert (client.name, client.managed_endpoints, client.phone) == ("Harbor Hall", 3, "+1 914 555 0100")


def test_delete_archives_a_client_and_keeps_the_row(tenant, writer, a_client):
    response = writer.delete(f"/api/v1/clients/{a_client.pk}/")

    assert response.status_code == 204
    assert in_tenant(tenant, Client, pk=a_client.pk).archived_at is not None
    assert writer.get(f"/api/v1/clients/{a_client.pk}/").json()["archived"] is True


def test_lists_show_active_and_archived_rows_unless_filtered(tenant, writer):
    active = ClientFactory(tenant=tenant)
    archived = ClientFactory(tenant=tenant)
    writer.delete(f"/api/v1/clients/{archived.pk}/")

    assert set(ids(writer.get("/api/v1/clients/"))) == {active.pk, archived.pk}
    assert ids(writer.get("/api/v1/clients/", {"archived": "false"})) == [active.pk]
    assert ids(writer.get("/api/v1/clients/", {"archived": "true"})) == [archived.pk]


def test_an_archived_clients_name_can_be_used_again(writer, a_client):
    writer.delete(f"/api/v1/clients/{a_client.pk}/")

    assert writer.post("/api/v1/clients/", {"name": a_client.name}, format="json").status_code == 201


# --- Contacts -------------------------------------------------------------------------------------


def test_a_write_key_creates_updates_and_archives_a_contact(tenant, writer, a_client):
    created = writer.post(
        "/api/v1/contacts/",
        {
            "client": a_client.pk,
            "full_name": "Ada Whitaker",
            "email": "ada@whitaker.example",
            "can_sign": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    contact_id = created.json()["id"]
    url = f"/api/v1/contacts/{contact_id}/"
    assert created.json()["client"] == a_client.pk

    assert writer.patch(url, {"job_title": "Owner"}, format="json").json()["job_title"] == "Owner"
    replaced = writer.put(
        url, {"client": a_client.pk, "full_name": "Ada W.", "email": "a@w.example"}, format="json"
    )
    assert replaced.status_code == 200, replaced.content
    assert writer.delete(url).status_code == 204

    contact = in_tenant(tenant, Contact, pk=contact_id)
    assert (contact.full_name, contact.job_title, contact.is_archived) == ("Ada W.", "Owner", True)


def test_a_new_primary_contact_takes_over_from_the_old_one(tenant, writer, a_client):
    first = ContactFactory(client=a_client, is_primary=True)

    response = writer.post(
        "/api/v1/contacts/",
        {"client": a_client.pk, "full_name": "New Primary", "email": "p@w.example", "is_primary": True},
        format="json",
    )

    assert response.status_code == 201
    assert in_tenant(tenant, Contact, pk=first.pk).is_primary is False


def test_a_contact_cannot_move_to_another_client(tenant, writer, a_client, api_error):
    contact = ContactFactory(client=a_client)
    other = ClientFactory(tenant=tenant)

    body = api_error(
        writer.patch(f"/api/v1/contacts/{contact.pk}/", {"client": other.pk}, format="json"), 400
    )

    assert attrs(body) == {"client"}
    assert in_tenant(tenant, Contact, pk=contact.pk).client_id == a_client.pk


def test_a_contact_of_an_archived_client_can_still_be_replaced(tenant, writer, a_client):
    contact = ContactFactory(client=a_client, email="ada@whitaker.example")
    writer.delete(f"/api/v1/clients/{a_client.pk}/")

    response = writer.put(
        f"/api/v1/contacts/{contact.pk}/",
        {"client": a_client.pk, "full_name": "Ada Whitaker", "email": "ada@whitaker.example"},
        format="json",
    )

    assert response.status_code == 200, response.content


# --- Sites ----------------------------------------------------------------------------------------


def test_a_write_key_creates_updates_and_archives_a_site(tenant, writer, a_client):
    created = writer.post("/api/v1/sites/", {"client": a_client.pk, **SITE}, format="json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/sites/{created.json()['id']}/"

    assert writer.patch(url, {"travel_minutes": 45}, format="json").json()["travel_minutes"] == 45
    assert (
        writer.put(url, {"client": a_client.pk, **SITE, "city": "Harrison"}, format="json").status_code == 200
    )
    assert writer.delete(url).status_code == 204

    site = in_tenant(tenant, Site, pk=created.json()["id"])
    assert (site.city, site.travel_minutes, site.is_archived) == ("Harrison", 45, True)


def test_a_site_needs_a_known_time_zone(writer, a_client, api_error):
    response = writer.post(
        "/api/v1/sites/", {"client": a_client.pk, **SITE, "timezone": "Mars/Olympus"}, format="json"
    )

    assert attrs(api_error(response, 400)) == {"timezone"}


# --- Pages, filters, search -----------------------------------------------------------------------


def test_cursor_pages_walk_every_client_once_newest_first(tenant, writer):
    made = [ClientFactory(tenant=tenant).pk for _ in range(5)]
    seen, url, pages = [], "/api/v1/clients/?page_size=2", 0
    while url:
        response = writer.get(url)
        assert response.status_code == 200
        seen += [row["id"] for row in response.json()["results"]]
        url, pages = response.json()["next"], pages + 1

    assert pages == 3
    assert seen == sorted(made, reverse=True)


def test_a_client_created_between_pages_neither_repeats_nor_hides_the_rest(tenant, writer):
    made = [ClientFactory(tenant=tenant).pk for _ in range(4)]
    first = writer.get("/api/v1/clients/?page_size=2").json()
    ClientFactory(tenant=tenant)

    second = writer.get(first["next"]).json()

    assert [row["id"] for row in first["results"] + second["results"]] == sorted(made, reverse=True)


def test_a_forged_cursor_is_a_json_404(writer, api_error):
    assert api_error(writer.get("/api/v1/clients/?cursor=forged"), 404)["errors"][0]["code"] == "not_found"


def test_clients_filter_by_name_and_search_by_email(tenant, writer):
    harbor = ClientFactory(tenant=tenant, name="Harbor House", email="office@harbor.example")
    ClientFactory(tenant=tenant, name="Whitaker Residence", email="ada@whitaker.example")

    assert ids(writer.get("/api/v1/clients/", {"name": "harbor"})) == [harbor.pk]
    assert ids(writer.get("/api/v1/clients/", {"search": "office@harbor"})) == [harbor.pk]
    assert ids(writer.get("/api/v1/clients/", {"name": "nobody"})) == []


def test_contacts_filter_by_client_signing_and_archived_and_search_by_name(tenant, writer, a_client):
    other = ClientFactory(tenant=tenant)
    signer = ContactFactory(client=a_client, full_name="Ada Signer", can_sign=True)
    helper = ContactFactory(client=a_client, full_name="Ben Helper", can_sign=False)
    elsewhere = ContactFactory(client=other, full_name="Cy Elsewhere")
    writer.delete(f"/api/v1/contacts/{elsewhere.pk}/")

    assert set(ids(writer.get("/api/v1/contacts/", {"client": a_client.pk}))) == {signer.pk, helper.pk}
    assert ids(writer.get("/api/v1/contacts/", {"client": a_client.pk, "can_sign": "true"})) == [signer.pk]
    assert ids(writer.get("/api/v1/contacts/", {"can_sign": "false"})) == [helper.pk]
    assert ids(writer.get("/api/v1/contacts/", {"archived": "true"})) == [elsewhere.pk]
    assert ids(writer.get("/api/v1/contacts/", {"search": "helper"})) == [helper.pk]


def test_sites_filter_by_client(tenant, writer, a_client):
    ours = SiteFactory(client=a_client)
    SiteFactory(client=ClientFactory(tenant=tenant))

    assert ids(writer.get("/api/v1/sites/", {"client": a_client.pk})) == [ours.pk]


def test_a_filter_of_the_wrong_type_is_a_validation_error_naming_it(writer, api_error):
    body = api_error(writer.get("/api/v1/contacts/", {"client": "abc"}), 400)

    assert body["type"] == "validation_error"
    assert attrs(body) == {"client"}


# --- Validation errors ----------------------------------------------------------------------------


def test_a_duplicate_client_name_is_a_validation_error_on_name(writer, a_client, api_error):
    response = writer.post("/api/v1/clients/", {"name": "whitaker residence "}, format="json")

    body = api_error(response, 400)
    assert body["type"] == "validation_error"
    assert body["errors"] == [
        {"code": "invalid", "detail": "Another active client already has this name.", "attr": "name"}
    ]


def test_renaming_a_client_to_a_taken_name_is_refused(tenant, writer, a_client, api_error):
    other = ClientFactory(tenant=tenant, name="Harbor House")

    response = writer.patch(f"/api/v1/clients/{other.pk}/", {"name": "Whitaker Residence"}, format="json")

    assert attrs(api_error(response, 400)) == {"name"}
    assert (
        writer.patch(f"/api/v1/clients/{other.pk}/", {"name": "Harbor House"}, format="json").status_code
        == 200
    )


@pytest.mark.parametrize(
    ("resource", "required"),
    [
        ("clients", {"name"}),
        ("contacts", {"client", "full_name"}),
        ("sites", {"client", "name", "address_line1", "city", "timezone"}),
    ],
)
def test_missing_required_fields_are_each_named(resource, required, writer, api_error):
    body = api_error(writer.post(f"/api/v1/{resource}/", {}, format="json"), 400)

    assert body["type"] == "validation_error"
    assert attrs(body) == required
    assert {error["code"] for error in body["errors"]} == {"required"}


def test_a_signer_needs_an_email(tenant, writer, a_client, api_error):
    response = writer.post(
        "/api/v1/contacts/", {"client": a_client.pk, "full_name": "Ada", "can_sign": True}, format="json"
    )
    assert attrs(api_error(response, 400)) == {"email"}

    signer = ContactFactory(client=a_client, can_sign=True)
    response = writer.patch(f"/api/v1/contacts/{signer.pk}/", {"email": ""}, format="json")
    assert attrs(api_error(response, 400)) == {"email"}
    with tenant_scope(tenant):
        assert Contact.objects.count() == 1


@pytest.mark.parametrize("resource", ["contacts", "sites"])
def test_another_tenants_client_id_does_not_exist_and_nothing_is_created(
    resource, writer, other_tenant, api_error
):
    theirs = ClientFactory(tenant=other_tenant)
    data = {"client": theirs.pk, "full_name": "Mallory", "email": "m@x.example", **SITE}

    body = api_error(writer.post(f"/api/v1/{resource}/", data, format="json"), 400)

    assert body["errors"][0]["attr"] == "client"
    assert body["errors"][0]["code"] == "does_not_exist"
    with cross_tenant("count every contact and site"):
        assert Contact.objects.count() == Site.objects.count() == 0


def test_an_archived_client_takes_no_new_contacts(writer, a_client, api_error):
    writer.delete(f"/api/v1/clients/{a_client.pk}/")

    response = writer.post("/api/v1/contacts/", {"client": a_client.pk, "full_name": "Ada"}, format="json")

    assert api_error(response, 400)["errors"][0]["code"] == "does_not_exist"


def test_a_body_that_is_not_json_is_a_parse_error(writer, api_error):
    response = writer.generic("POST", "/api/v1/clients/", "{not json", content_type="application/json")

    assert api_error(response, 400)["errors"][0]["code"] == "parse_error"


def test_no_idempotency_key_is_needed_to_create(writer):
    response = writer.post("/api/v1/clients/", {"name": "Harbor House"}, format="json")

    assert response.status_code == 201


# --- Isolation ------------------------------------------------------------------------------------


def test_a_key_sees_only_its_own_tenants_rows(tenant, other_tenant, writer, a_client, api_error):
    theirs = ClientFactory(tenant=other_tenant, name="Rival Client")

    assert ids(writer.get("/api/v1/clients/")) == [a_client.pk]
    assert ids(writer.get("/api/v1/clients/", {"search": "Rival"})) == []
    api_error(writer.get(f"/api/v1/clients/{theirs.pk}/"), 404)
    api_error(writer.delete(f"/api/v1/clients/{theirs.pk}/"), 404)
    assert in_tenant(other_tenant, Client, pk=theirs.pk).archived_at is None


# --- Staff sessions -------------------------------------------------------------------------------


def session_client(tenant, role) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff_of(tenant, role))
    return client


def with_csrf_token(client: APIClient) -> dict:
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    return {"HTTP_X_CSRFTOKEN": token}


@pytest.mark.parametrize("role", list(Role))
def test_every_staff_role_can_read_through_the_api(role, tenant, a_client):
    response = session_client(tenant, role).get("/api/v1/clients/")

    assert ids(response) == [a_client.pk]


def test_an_owner_writes_through_the_api_with_a_csrf_token(tenant):
    client = session_client(tenant, Role.OWNER)

    response = client.post(
        "/api/v1/clients/", {"name": "Harbor House"}, format="json", **with_csrf_token(client)
    )

    assert response.status_code == 201, response.content


def test_a_read_only_staff_member_cannot_write_through_the_api(tenant, api_error):
    client = session_client(tenant, Role.READ_ONLY)

    response = client.post(
        "/api/v1/clients/", {"name": "Harbor House"}, format="json", **with_csrf_token(client)
    )

    error = api_error(response, 403)["errors"][0]
    assert error["code"] == "permission_denied"
    assert "Read-only" in error["detail"]


def test_a_session_write_without_a_csrf_token_is_a_json_403(tenant, api_error):
    response = session_client(tenant, Role.OWNER).post("/api/v1/clients/", {"name": "X"}, format="json")

    error = api_error(response, 403)["errors"][0]
    assert error["code"] == "permission_denied"
    assert error["detail"].startswith("CSRF Failed")
    with tenant_scope(tenant):
        assert not Client.objects.exists()


def test_a_signed_in_user_on_no_staff_gets_a_json_403(client, api_error):
    client.force_login(UserFactory())

    assert "not on the staff" in api_error(client.get("/api/v1/clients/"), 403)["errors"][0]["detail"]


# --- JSON errors everywhere under /api/ -----------------------------------------------------------


NOT_FOUND = {"code": "not_found", "detail": "Not found.", "attr": None}


@pytest.mark.parametrize(
    "path", ["/api/v1/clients/abc/", "/api/v1/contacts/1.5/", "/api/v1/nope/", "/api/v1/", "/api/v2/clients/"]
)
def test_paths_that_match_no_route_are_json_404s_with_or_without_a_key(path, writer, api_as, api_error):
    for client in (writer, api_as()):
        for method in ("get", "post", "delete"):
            assert api_error(getattr(client, method)(path), 404)["errors"] == [NOT_FOUND], (method, path)


def test_a_path_without_its_trailing_slash_is_a_json_404_that_says_so_not_a_redirect(
    tenant, writer, api_error
):
    for method in ("get", "post"):
        response = getattr(writer, method)("/api/v1/clients", {"name": "Harbor House"}, format="json")

        error = api_error(response, 404)["errors"][0]
        assert error["detail"] == "Not found. API paths end with a slash: /api/v1/clients/"
    with tenant_scope(tenant):
        assert not Client.objects.exists()


def test_an_unmatched_api_path_is_a_json_404_even_for_a_session_write_without_a_csrf_token(tenant, api_error):
    client = session_client(tenant, Role.OWNER)

    assert api_error(client.post("/api/v1/nope/", {}, format="json"), 404)["errors"] == [NOT_FOUND]


@pytest.mark.parametrize("resource", ["clients", "contacts", "sites"])
def test_an_id_that_does_not_exist_is_a_json_404(resource, writer, api_error):
    assert api_error(writer.get(f"/api/v1/{resource}/999999/"), 404)["errors"] == [NOT_FOUND]


def test_a_method_a_resource_does_not_serve_is_a_json_405(writer, api_error):
    assert api_error(writer.delete("/api/v1/clients/"), 405)["errors"][0]["code"] == "method_not_allowed"


def test_a_crash_in_an_api_view_is_a_json_500_and_rolls_back_the_request(
    tenant, writer, api_error, monkeypatch
):
    create = ClientSerializer.create

    def create_then_crash(self, validated_data):
        create(self, validated_data)
        raise RuntimeError("boom")

    monkeypatch.setattr(ClientSerializer, "create", create_then_crash)
    writer.raise_request_exception = False

    body = api_error(writer.post("/api/v1/clients/", {"name": "Harbor House"}, format="json"), 500)

    assert body["type"] == "server_error"
    with tenant_scope(tenant):
        assert not Client.objects.exists()


def test_a_crash_before_the_api_view_is_a_json_500(writer, api_error, monkeypatch):
    def crash(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(tenants.middleware, "tenant_scope", crash)
    writer.raise_request_exception = False

    assert api_error(writer.get("/api/v1/clients/"), 500)["type"] == "server_error"


def test_a_bad_host_header_is_a_json_400(writer, api_error):
    assert api_error(writer.get("/api/v1/clients/", HTTP_HOST="evil.example"), 400)["type"] == "client_error"


def test_errors_of_a_whole_object_from_a_service_read_as_non_field_errors():
    with pytest.raises(DRFValidationError) as raised:
        raise_as_drf(DjangoValidationError({NON_FIELD_ERRORS: ["Clash."], "name": ["Taken."]}))

    assert raised.value.detail == {"non_field_errors": ["Clash."], "name": ["Taken."]}
