"""API keys that belong to someone: owners, expiry, per-resource scopes, and the keys page."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from api.models import ApiKey, KeyKind
from api.scopes import RESOURCES, resource_of_view
from tenants.models import StaffMembership
from tenants.roles import Role
from tenants.scope import tenant_scope
from tenants.services import remove_staff_member
from tests.conftest import staff_of
from tests.factories import ClientFactory, api_key_for

pytestmark = pytest.mark.django_db


def auth_error(response, api_error) -> str:
    return api_error(response, 401)["errors"][0]["detail"]


# --- Expiry -----------------------------------------------------------------------------------------


def test_a_key_works_until_its_expiry_and_then_gets_401_saying_it_expired(tenant, api_as, api_error):
    expires_at = timezone.now() + timedelta(days=3)
    _, clear_key = api_key_for(tenant, expires_at=expires_at)

    assert api_as(clear_key).get("/api/v1/clients/").status_code == 200
    with time_machine.travel(expires_at + timedelta(seconds=1), tick=False):
        detail = auth_error(api_as(clear_key).get("/api/v1/clients/"), api_error)

    assert detail == f"This API key expired on {expires_at:%Y-%m-%d %H:%M} UTC."


def test_a_key_cannot_be_created_already_expired(tenant):
    with pytest.raises(ValueError, match="expiry must be in the future"):
        api_key_for(tenant, expires_at=timezone.now() - timedelta(minutes=1))


# --- Owners -----------------------------------------------------------------------------------------


def test_a_key_stops_working_when_its_owner_is_removed_from_the_team(tenant, owner, api_as, api_error):
    technician = staff_of(tenant, Role.MANAGER)
    _, clear_key = api_key_for(tenant, owner=technician, name="RMM")
    assert api_as(clear_key).get("/api/v1/clients/").status_code == 200

    with tenant_scope(tenant):
        remove_staff_member(StaffMembership.objects.get(user=technician))

    assert "owner is no longer on the team" in auth_error(
        api_as(clear_key).get("/api/v1/clients/"), api_error
    )


def test_a_key_stops_working_when_its_owner_account_is_deactivated(tenant, owner, api_as, api_error):
    _, clear_key = api_key_for(tenant, owner=owner)
    owner.is_active = False
    owner.save(update_fields=["is_active"])

    assert "owner is no longer on the team" in auth_error(
        api_as(clear_key).get("/api/v1/clients/"), api_error
    )


def test_a_key_owned_by_someone_on_another_team_only_does_not_open_this_one(
    tenant, other_tenant, owner, api_as, api_error
):
    key, clear_key = api_key_for(tenant, owner=owner)
    outsider = staff_of(other_tenant, Role.OWNER)
    with tenant_scope(tenant):
        ApiKey.objects.filter(pk=key.pk).update(owner=outsider)  # as if reassigned behind the page's back

    assert "owner is no longer on the team" in auth_error(
        api_as(clear_key).get("/api/v1/clients/"), api_error
    )


def test_a_key_needs_an_owner_on_the_staff(tenant, other_tenant):
    with pytest.raises(ValueError, match="owner must be an active member of the staff"):
        api_key_for(tenant, owner=staff_of(other_tenant, Role.OWNER))


def test_reassigning_a_service_key_to_someone_on_the_team_makes_it_work_again(
    tenant, owner, staff_client, api_as
):
    leaver = staff_of(tenant, Role.MANAGER)
    key, clear_key = api_key_for(tenant, owner=leaver, name="Monitoring")
    with tenant_scope(tenant):
        remove_staff_member(StaffMembership.objects.get(user=leaver))
    assert api_as(clear_key).get("/api/v1/clients/").status_code == 401

    page = staff_client.get(reverse("api_keys:list"))
    assert "Owner left — not working" in page.content.decode()

    response = staff_client.post(reverse("api_keys:reassign", args=[key.pk]), {"owner": owner.pk})

    assert response.status_code == 302
    with tenant_scope(tenant):
        assert ApiKey.objects.get(pk=key.pk).owner == owner
    assert api_as(clear_key).get("/api/v1/clients/").status_code == 200


def test_a_personal_key_cannot_be_reassigned(tenant, owner, staff_client):
    colleague = staff_of(tenant, Role.MANAGER)
    key, _ = api_key_for(tenant, owner=owner, kind=KeyKind.PERSONAL)

    staff_client.post(reverse("api_keys:reassign", args=[key.pk]), {"owner": colleague.pk})

    with tenant_scope(tenant):
        assert ApiKey.objects.get(pk=key.pk).owner == owner


def test_the_keys_page_shows_owner_expiry_scopes_and_last_use(tenant, owner, staff_client, api_as):
    api_key_for(tenant, ["tickets:read"], name="Never used", owner=owner)
    _, used = api_key_for(
        tenant, ["read"], name="Used", owner=owner, expires_at=timezone.now() + timedelta(days=40)
    )
    api_as(used).get("/api/v1/clients/")

    page = staff_client.get(reverse("api_keys:list")).content.decode()

    assert "tickets:read" in page
    assert "never" in page  # the unused key's last use, and its expiry
    assert "ago" in page  # the used key's last use
    assert str(owner) in page
    assert (timezone.now() + timedelta(days=40)).strftime("%Y") in page


def test_the_create_form_makes_a_service_key_with_an_owner_expiry_and_resource_scopes(
    tenant, owner, staff_client, api_as
):
    colleague = staff_of(tenant, Role.MANAGER)
    expiry = timezone.localdate() + timedelta(days=30)

    response = staff_client.post(
        reverse("api_keys:create"),
        {
            "name": "Ticket sync",
            "kind": "service",
            "owner": colleague.pk,
            "expires_on": expiry.isoformat(),
            "scopes": ["tickets:read", "tickets:write"],
        },
    )

    assert response.status_code == 200
    clear_key = response.context["clear_key"]
    with tenant_scope(tenant):
        key = ApiKey.objects.get(name="Ticket sync")
    assert (key.kind, key.owner, key.created_by) == ("service", colleague, owner)
    assert key.scopes == ["tickets:read", "tickets:write"]
    assert key.expires_at.date() >= expiry
    assert api_as(clear_key).get("/api/v1/tickets/").status_code == 200
    assert api_as(clear_key).get("/api/v1/clients/").status_code == 403


def test_the_create_form_makes_a_personal_key_its_creators_own(tenant, owner, staff_client):
    colleague = staff_of(tenant, Role.MANAGER)

    staff_client.post(
        reverse("api_keys:create"),
        {"name": "Mine", "kind": "personal", "owner": colleague.pk, "scopes": ["read"]},
    )

    with tenant_scope(tenant):
        assert ApiKey.objects.get(name="Mine").owner == owner


def test_the_create_form_shows_every_scope(staff_client):
    page = staff_client.get(reverse("api_keys:create")).content.decode()

    for resource in RESOURCES:
        assert f'value="{resource}:read"' in page
        assert f'value="{resource}:write"' in page


# --- Scopes per resource ----------------------------------------------------------------------------


def test_a_resource_scope_opens_its_resource_only(tenant, api_as, api_error):
    ClientFactory(tenant=tenant)
    _, clear_key = api_key_for(tenant, ["clients:read"])

    assert api_as(clear_key).get("/api/v1/clients/").status_code == 200
    assert api_as(clear_key).get("/api/v1/contacts/").status_code == 200  # same area: clients
    refused = api_error(api_as(clear_key).get("/api/v1/tickets/"), 403)["errors"][0]

    assert refused["code"] == "permission_denied"
    assert (
        refused["detail"]
        == "This API key lacks the 'tickets:read' scope (or the 'read' scope, for every resource)."
    )


def test_a_resource_read_scope_does_not_allow_writes(tenant, api_as, api_error):
    _, clear_key = api_key_for(tenant, ["clients:read"])

    response = api_as(clear_key).post("/api/v1/clients/", {"name": "Harbor House"}, format="json")

    assert "'clients:write' scope" in api_error(response, 403)["errors"][0]["detail"]


def test_a_resource_write_scope_allows_writes_to_that_resource(tenant, api_as):
    _, clear_key = api_key_for(tenant, ["clients:write"])

    assert (
        api_as(clear_key).post("/api/v1/clients/", {"name": "Harbor House"}, format="json").status_code == 201
    )


def test_old_broad_read_and_write_keys_still_open_every_resource(tenant, api_as):
    _, clear_key = api_key_for(tenant, ["read", "write"])

    for path in ("/api/v1/clients/", "/api/v1/tickets/", "/api/v1/invoices/", "/api/v1/webhook-endpoints/"):
        assert api_as(clear_key).get(path).status_code == 200, path
    assert (
        api_as(clear_key).post("/api/v1/clients/", {"name": "Harbor House"}, format="json").status_code == 201
    )


def test_an_unknown_scope_is_refused(tenant):
    with pytest.raises(ValueError, match="Scopes must be some of"):
        api_key_for(tenant, ["tickets:admin"])


def test_every_api_view_belongs_to_a_resource_area_with_scopes():
    from django.urls import get_resolver

    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            elif cls := getattr(pattern.callback, "cls", None):
                yield cls

    api_views = set(views(get_resolver("config.api_urls").url_patterns))
    documentation = {"SpectacularAPIView", "ApiDocsView"}
    unmapped = [
        cls.__name__ for cls in api_views if cls.__name__ not in documentation and not resource_of_view(cls())
    ]

    assert unmapped == []


def test_the_schema_documents_every_scope(api_as):
    description = (
        api_as()
        .get("/api/v1/schema/?format=json")
        .json()["components"]["securitySchemes"]["ApiKey"]["description"]
    )

    for resource in RESOURCES:
        assert f"`{resource}:read`" in description


# --- The command ------------------------------------------------------------------------------------


def test_the_create_api_key_command_still_takes_read_write_and_gives_the_first_owner(tenant, owner, api_as):
    out = io.StringIO()

    call_command(
        "create_api_key", "--tenant", tenant.slug, "--scopes", "read,write", "--name", "fuzz", stdout=out
    )

    clear_key = out.getvalue().strip().splitlines()[-1]
    with tenant_scope(tenant):
        key = ApiKey.objects.get(name="fuzz")
    assert (key.scopes, key.owner, key.kind, key.expires_at) == (["read", "write"], owner, "service", None)
    assert (
        api_as(clear_key).post("/api/v1/clients/", {"name": "Harbor House"}, format="json").status_code == 201
    )


def test_the_create_api_key_command_takes_resource_scopes_an_owner_and_an_expiry(tenant, owner):
    colleague = staff_of(tenant, Role.MANAGER)

    call_command(
        "create_api_key",
        "--tenant",
        tenant.slug,
        "--scopes",
        "tickets:read,billing:write",
        "--name",
        "Sync",
        "--owner",
        colleague.email,
        "--expires",
        "2999-01-31",
        stdout=io.StringIO(),
    )

    with tenant_scope(tenant):
        key = ApiKey.objects.get(name="Sync")
    assert (key.scopes, key.owner) == (["billing:write", "tickets:read"], colleague)
    assert key.expires_at.date().isoformat() == "2999-01-31"
