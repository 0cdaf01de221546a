"""Partner API keys: scopes, revocation, tampering, storage, and the ways a key is issued and revoked."""

import hashlib
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from api.models import ApiKey
from clients.models import Client, Contact, Site
from tenants.models import Tenant
from tenants.roles import Role
from tenants.scope import cross_tenant, tenant_scope
from tests.conftest import staff_of
from tests.factories import ClientFactory, ContactFactory, SiteFactory, api_key_for

pytestmark = pytest.mark.django_db

KEY_FORMAT = re.compile(r"^acc_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")
MODELS = {"clients": Client, "contacts": Contact, "sites": Site}


@pytest.fixture
def rows(tenant):
    """One client, contact and site of `tenant`, by resource name."""
    a_client = ClientFactory(tenant=tenant, name="Whitaker Residence")
    return {
        "clients": a_client,
        "contacts": ContactFactory(client=a_client, full_name="Ada Whitaker"),
        "sites": SiteFactory(client=a_client),
    }


def write_body(resource, rows):
    return {
        "clients": {"name": "Harbor House"},
        "contacts": {"client": rows["clients"].pk, "full_name": "Ben Harbor", "email": "ben@harbor.example"},
        "sites": {
            "client": rows["clients"].pk,
            "name": "Boathouse",
            "address_line1": "1 Dock Road",
            "city": "Rye",
            "timezone": "America/New_York",
        },
    }[resource]


def snapshot(tenant):
    with tenant_scope(tenant):
        return {
            name: sorted(model.objects.values_list("pk", "archived_at", "updated_at"))
            for name, model in MODELS.items()
        }


def secret_of(clear_key: str) -> str:
    return clear_key.split("_", 2)[2]


def assert_unauthorized(response, api_error) -> dict:
    body = api_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    return body["errors"][0]


# --- Scopes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["clients", "contacts", "sites"])
def test_a_read_only_key_can_list_and_fetch_every_resource(resource, rows, reader):
    listed = reader.get(f"/api/v1/{resource}/")
    fetched = reader.get(f"/api/v1/{resource}/{rows[resource].pk}/")

    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [rows[resource].pk]
    assert fetched.status_code == 200
    assert fetched.json()["id"] == rows[resource].pk


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("resource", ["clients", "contacts", "sites"])
def test_a_read_only_key_gets_403_for_every_write_and_changes_nothing(
    resource, method, rows, tenant, reader, api_error
):
    before = snapshot(tenant)
    url = f"/api/v1/{resource}/" if method == "post" else f"/api/v1/{resource}/{rows[resource].pk}/"

    response = getattr(reader, method)(url, write_body(resource, rows), format="json")

    error = api_error(response, 403)["errors"][0]
    assert error["code"] == "permission_denied"
    assert "'write' scope" in error["detail"]
    assert snapshot(tenant) == before


def test_a_write_only_key_cannot_read(tenant, rows, api_as, api_error):
    _, clear_key = api_key_for(tenant, ["write"])

    response = api_as(clear_key).get("/api/v1/clients/")

    assert "'read' scope" in api_error(response, 403)["errors"][0]["detail"]


def test_a_key_with_both_scopes_can_write(writer):
    assert writer.post("/api/v1/clients/", {"name": "Harbor House"}, format="json").status_code == 201


# --- Keys that do not authenticate ----------------------------------------------------------------


def test_a_request_without_credentials_gets_401_with_a_bearer_challenge(api_as, api_error, tenant):
    error = assert_unauthorized(api_as().get("/api/v1/clients/"), api_error)

    assert error["code"] == "not_authenticated"


def test_a_revoked_key_gets_401(tenant, write_key, writer, api_error):
    key, _ = write_key
    assert writer.get("/api/v1/clients/").status_code == 200
    with tenant_scope(tenant):
        key.revoked_at = key.created_at
        key.save(update_fields=["revoked_at"])

    error = assert_unauthorized(writer.get("/api/v1/clients/"), api_error)

    assert error == {"code": "authentication_failed", "detail": "This API key was revoked.", "attr": None}


def _one_char_changed(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_key_with_one_character_of_its_secret_changed_gets_401(where, write_key, api_as, api_error):
    _, clear_key = write_key
    at = {"first": len(clear_key) - 43, "middle": len(clear_key) - 20, "last": len(clear_key) - 1}[where]
    tampered = _one_char_changed(clear_key, at)
    assert tampered != clear_key

    error = assert_unauthorized(api_as(tampered).get("/api/v1/clients/"), api_error)

    assert error["detail"] == "Invalid API key."


def test_a_key_with_a_valid_prefix_and_another_keys_secret_gets_401(tenant, write_key, api_as, api_error):
    key, _ = write_key
    _, other_clear_key = api_key_for(tenant, ["read", "write"], name="Other")

    response = api_as(f"acc_{key.prefix}_{secret_of(other_clear_key)}").get("/api/v1/clients/")

    assert assert_unauthorized(response, api_error)["detail"] == "Invalid API key."


def test_a_key_with_an_unknown_prefix_gets_401(write_key, api_as, api_error):
    _, clear_key = write_key

    response = api_as(f"acc_000000000000_{secret_of(clear_key)}").get("/api/v1/clients/")

    assert assert_unauthorized(response, api_error)["detail"] == "Invalid API key."


@pytest.mark.parametrize(
    "malformed", ["", "nonsense", "acc_", "acc_abc", "xyz_0123456789ab_secret", "Bearer acc_a_b"]
)
def test_a_malformed_key_gets_401(malformed, write_key, api_as, api_error):
    response = api_as(malformed).get("/api/v1/clients/")

    assert assert_unauthorized(response, api_error)["code"] == "authentication_failed"


def test_a_key_of_a_deactivated_tenant_gets_401(tenant, write_key, writer, api_error):
    Tenant.objects.filter(pk=tenant.pk).update(is_active=False)

    error = assert_unauthorized(writer.get("/api/v1/clients/"), api_error)

    assert error["detail"] == "This API key's company is no longer active."


def test_a_failed_key_is_refused_even_when_a_staff_session_rides_along(
    tenant, write_key, api_as, api_error, owner
):
    """The Bearer header decides: a bad key is not rescued by the browser's session cookie."""
    client = api_as(_one_char_changed(write_key[1], len(write_key[1]) - 1))
    client.force_login(owner)

    assert_unauthorized(client.get("/api/v1/clients/"), api_error)


# --- Storage and use ------------------------------------------------------------------------------


def test_keys_are_not_stored_in_clear_text(write_key):
    key, clear_key = write_key
    secret = secret_of(clear_key)

    with cross_tenant("read an API key row as stored"), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apikey WHERE id = %s", [key.pk])
        stored = [str(value) for value in cursor.fetchone()]

    assert KEY_FORMAT.match(clear_key)
    assert not any(clear_key in value or secret in value for value in stored)
    assert hashlib.sha256(secret.encode()).hexdigest() in stored


def test_each_key_has_its_own_prefix_and_secret(tenant):
    keys = [api_key_for(tenant, ["read"], name=f"Key {n}")[1] for n in range(3)]

    assert len({key.split("_")[1] for key in keys}) == 3
    assert len({secret_of(key) for key in keys}) == 3


def test_the_last_use_of_a_key_is_recorded(tenant, write_key, writer):
    key, _ = write_key
    assert key.last_used_at is None

    writer.get("/api/v1/clients/")

    with tenant_scope(tenant):
        key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_refused_key_records_no_use(tenant, write_key, api_as):
    key, clear_key = write_key

    api_as(_one_char_changed(clear_key, len(clear_key) - 1)).get("/api/v1/clients/")

    with tenant_scope(tenant):
        key.refresh_from_db()
    assert key.last_used_at is None


# --- Issuing and revoking -------------------------------------------------------------------------


def test_the_create_api_key_command_prints_a_working_key_alone_on_its_last_line(tenant, owner, api_as):
    ClientFactory(tenant=tenant, name="Whitaker Residence")
    out = io.StringIO()

    call_command("create_api_key", "--tenant", tenant.slug, "--scopes", "read", "--name", "RMM", stdout=out)

    last_line = out.getvalue().strip().splitlines()[-1]
    assert KEY_FORMAT.match(last_line)
    response = api_as(last_line).get("/api/v1/clients/")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Whitaker Residence"]
    assert api_as(last_line).post("/api/v1/clients/", {"name": "X"}, format="json").status_code == 403


def test_the_create_api_key_command_refuses_an_unknown_tenant_or_scope(tenant):
    with pytest.raises(CommandError, match="No tenant"):
        call_command("create_api_key", "--tenant", "nobody", "--name", "RMM", stdout=io.StringIO())
    with pytest.raises(CommandError, match="Scopes must be"):
        call_command(
            "create_api_key",
            "--tenant",
            tenant.slug,
            "--scopes",
            "admin",
            "--name",
            "RMM",
            stdout=io.StringIO(),
        )
    with cross_tenant("count every key"):
        assert ApiKey.objects.count() == 0


def test_revoking_a_key_on_the_staff_page_makes_it_get_401(
    tenant, write_key, writer, staff_client, api_error
):
    key, _ = write_key
    assert writer.get("/api/v1/clients/").status_code == 200

    response = staff_client.post(reverse("api_keys:revoke", args=[key.pk]))

    assert response.status_code == 302
    error = assert_unauthorized(writer.get("/api/v1/clients/"), api_error)
    assert error["detail"] == "This API key was revoked."


def test_a_read_only_staff_member_cannot_revoke_a_key(tenant, write_key, writer, client):
    key, _ = write_key
    client.force_login(staff_of(tenant, Role.READ_ONLY))

    assert client.post(reverse("api_keys:revoke", args=[key.pk])).status_code == 403
    assert writer.get("/api/v1/clients/").status_code == 200


def test_staff_of_another_tenant_cannot_revoke_a_key(other_tenant, write_key, writer, client):
    key, _ = write_key
    client.force_login(staff_of(other_tenant, Role.OWNER))

    assert client.post(reverse("api_keys:revoke", args=[key.pk])).status_code == 404
    assert writer.get("/api/v1/clients/").status_code == 200
