"""PostgreSQL row-level security: the second wall between tenants."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django_scopes import ScopeError

from clients.models import Client
from contracts.models import Agreement
from tenants.scope import NoTenantError, cross_tenant, tenant_scope
from tests.factories import ClientFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def tenant_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY table_name"
        )
        return [row[0] for row in cursor.fetchall()]


def count_as_app(table: str, tenant_setting: str | None) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        if tenant_setting is not None:
            cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [tenant_setting])
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        return cursor.fetchone()[0]


def test_the_app_connects_as_a_role_that_is_no_superuser_and_cannot_bypass_rls():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)


def test_every_table_with_a_tenant_id_has_rls_enabled_forced_and_its_two_policies():
    tables = tenant_tables()
    assert {
        "clients_client",
        "clients_contact",
        "clients_site",
        "api_apikey",
        "tenants_staffmembership",
    } <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "  (SELECT array_agg(p.policyname || ' to ' || array_to_string(p.roles, ',') || ': ' || p.qual "
            "                    ORDER BY p.policyname) "
            "   FROM pg_policies p WHERE p.tablename = c.relname AND p.schemaname = 'public') "
            "FROM pg_class c WHERE c.relname = ANY(%s) AND c.relkind = 'r'",
            [tables],
        )
        rows = {name: (enabled, forced, policies) for name, enabled, forced, policies in cursor.fetchall()}
    expected = [
        "cross_tenant to accord_cross_tenant: true",
        "tenant_isolation to public: (tenant_id = ( SELECT app_current_tenant() AS app_current_tenant))",
    ]
    assert rows == dict.fromkeys(tables, (True, True, expected))


def test_after_seed_demo_every_tenant_table_shows_no_rows_without_a_tenant_or_with_an_unknown_one(small_demo):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with cross_tenant("check the demo data exists"):
        assert Client.objects.count() > 0
        assert Ticket.objects.count() > 0
        assert Agreement.objects.count() > 0
    for table in tenant_tables():
        assert count_as_app(table, None) == 0, table
        assert count_as_app(table, "") == 0, table
        assert count_as_app(table, "987654321") == 0, table


def test_a_tenant_sees_only_its_own_rows(tenant, other_tenant):
    ClientFactory(tenant=tenant, name="Ours")
    ClientFactory(tenant=other_tenant, name="Theirs")
    with tenant_scope(tenant):
        assert list(Client.objects.values_list("name", flat=True)) == ["Ours"]
        # even a query that forgets the scope's filter is cut down by PostgreSQL
        assert [c.name for c in Client.objects.raw("SELECT * FROM clients_client")] == ["Ours"]


def test_a_row_for_another_tenant_cannot_be_inserted(tenant, other_tenant):
    with pytest.raises(ProgrammingError, match="row-level security"), tenant_scope(tenant):
        Client.objects.create(tenant=other_tenant, name="Smuggled")


def test_updates_and_deletes_of_another_tenants_rows_touch_nothing(tenant, other_tenant):
    theirs = ClientFactory(tenant=other_tenant, name="Theirs")
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute("UPDATE clients_client SET name = 'Hijacked' WHERE id = %s", [theirs.pk])
        assert cursor.rowcount == 0
        cursor.execute("DELETE FROM clients_client WHERE id = %s", [theirs.pk])
        assert cursor.rowcount == 0
    with tenant_scope(other_tenant):
        assert Client.objects.get(pk=theirs.pk).name == "Theirs"


def test_scoped_querysets_fail_loudly_without_a_tenant(a_client):
    with pytest.raises(ScopeError):
        list(Client.objects.all())
    with pytest.raises(ScopeError):
        Client.objects.get(pk=a_client.pk)


def test_the_tenant_setting_is_gone_after_the_scope_ends(tenant):
    with tenant_scope(tenant):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(current_setting('app.tenant_id', true), '')")
        assert cursor.fetchone()[0] == ""


def test_the_tenant_setting_is_restored_after_an_error_inside_the_scope(tenant):
    with pytest.raises(ZeroDivisionError), tenant_scope(tenant):
        1 / 0  # noqa: B018
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(current_setting('app.tenant_id', true), '')")
        assert cursor.fetchone()[0] == ""


def test_nested_scopes_restore_the_outer_tenant(tenant, other_tenant):
    ClientFactory(tenant=tenant, name="Ours")
    with tenant_scope(tenant):
        with tenant_scope(other_tenant):
            assert not Client.objects.exists()
        assert Client.objects.get().name == "Ours"


def test_a_scope_needs_a_saved_tenant():
    with pytest.raises(NoTenantError), tenant_scope(None):
        pass


def test_the_cross_tenant_bypass_must_say_why():
    with pytest.raises(ValueError, match="reason"), cross_tenant(""):
        pass
