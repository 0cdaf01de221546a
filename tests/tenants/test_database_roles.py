"""Three database roles: the web role cannot lift its own restrictions, only the worker sees every tenant.

These tests log in exactly as production does, each role with its own connection, against committed
rows (transactional tests), instead of the suite's one shared connection (tests/databases.py).
"""

from datetime import UTC, date, datetime, timedelta

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from billing.runs import run_billing
from tenants.connections import WORKER_ALIAS
from tenants.scope import cross_tenant, tenant_scope
from tests.billing.run_setup import catalog, customer, subscribe
from tests.databases import database_env
from tests.factories import ClientFactory, TenantFactory, sla_desk
from tickets import services
from tickets.models import SlaBreach
from tickets.sweeper import sweep

through_both_connections = pytest.mark.django_db(transaction=True, databases=["default", WORKER_ALIAS])

NY_MONDAY_9AM = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)


def login(role: str):
    conn = psycopg2.connect(database_env()[role])
    conn.autocommit = False
    return conn


@pytest.fixture(scope="module")
def two_tenants(django_db_setup, django_db_blocker):
    """Committed once for the module's logins to see, flushed afterwards."""
    with django_db_blocker.unblock():
        ours, theirs = TenantFactory(slug="ours"), TenantFactory(slug="theirs")
        ClientFactory(tenant=ours, name="Ours")
        ClientFactory(tenant=theirs, name="Theirs")
        yield ours, theirs
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def web():
    conn = login("DATABASE_URL")
    yield conn
    conn.close()


def fails(conn, statement: str, params=()) -> str:
    """Run one statement as that login; return the error PostgreSQL refused it with."""
    with conn.cursor() as cursor:
        try:
            cursor.execute(statement, params)
        except psycopg2.Error as error:
            conn.rollback()
            return error.pgcode
    conn.rollback()
    raise AssertionError(f"{statement!r} was allowed")


def count(conn, setup: str, table: str = "clients_client") -> int:
    with conn.cursor() as cursor:
        if setup:
            cursor.execute(setup)
        cursor.execute(f"SELECT count(*) FROM {table}")
        (rows,) = cursor.fetchone()
    conn.rollback()
    return rows


def test_the_web_role_owns_nothing_and_is_a_member_of_nothing(web, two_tenants):
    with web.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid), "
            "(SELECT count(*) FROM pg_proc WHERE proowner = r.oid), "
            "(SELECT count(*) FROM pg_database WHERE datdba = r.oid AND datname = current_database()), "
            "(SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid), "
            "(SELECT count(*) FROM pg_auth_members WHERE member = r.oid), "
            "r.rolsuper, r.rolbypassrls, r.rolcreaterole "
            "FROM pg_roles r WHERE r.rolname = current_user"
        )
        assert cursor.fetchone() == (0, 0, 0, 0, 0, False, False, False)


@pytest.mark.parametrize(
    "setting",
    [
        "SELECT set_config('app.rls_bypass', 'on', false)",
        "SELECT set_config('pgtrigger.ignore', '{tenant_isolation}', false)",
        "SELECT set_config('app.tenant_id', '', false)",
    ],
)
def test_no_setting_shows_the_web_role_a_row_without_a_tenant(web, two_tenants, setting):
    assert count(web, setting) == 0


def test_turning_row_security_off_makes_the_web_roles_queries_fail_rather_than_bypass(web, two_tenants):
    with web.cursor() as cursor:
        cursor.execute("SET row_security = off")
    assert fails(web, "SELECT count(*) FROM clients_client") == "42501"


def test_the_web_role_sees_only_the_tenant_it_set(web, two_tenants):
    ours, _ = two_tenants
    assert count(web, f"SELECT set_config('app.tenant_id', '{ours.pk}', false)") == 1


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE clients_client NO FORCE ROW LEVEL SECURITY",
        "ALTER TABLE clients_client DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE contracts_contractversion DISABLE TRIGGER USER",
        "DROP POLICY tenant_isolation ON clients_client",
        "CREATE POLICY everything ON clients_client USING (true)",
        "TRUNCATE clients_client CASCADE",
        "SET ROLE accord_worker",
        "SET ROLE accord_cross_tenant",
        "SET session_replication_role = replica",
        "CREATE TABLE smuggled (id int)",
    ],
)
def test_the_web_role_cannot_lift_its_own_restrictions(web, two_tenants, statement):
    assert fails(web, statement.replace("accord_worker", settings.DATABASE_ROLES["worker"])) in {
        "42501",  # insufficient privilege
        "42P01",  # no such relation (a role that cannot see the table's schema objects)
    }


def test_the_worker_login_is_the_one_that_sees_every_tenant(two_tenants):
    worker = login("DATABASE_WORKER_URL")
    try:
        assert count(worker, "") == 2
    finally:
        worker.close()


@pytest.fixture
def through_the_worker_connection(settings):
    """cross_tenant() on the worker's own connection, as in production."""
    settings.CROSS_TENANT_VIA = "connection"
    yield
    connections[WORKER_ALIAS].close()


@through_both_connections
def test_cross_tenant_runs_on_the_worker_connection_and_the_web_connection_stays_bound(
    through_the_worker_connection,
):
    ClientFactory(tenant=TenantFactory(slug="north"))
    ClientFactory(tenant=TenantFactory(slug="south"))
    with cross_tenant("the test asks who it is"), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, count(*) FROM clients_client")
        assert cursor.fetchone() == (settings.DATABASE_ROLES["worker"], 2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, count(*) FROM clients_client")
        assert cursor.fetchone() == (settings.DATABASE_ROLES["web"], 0)


@through_both_connections
def test_the_sweeper_breaches_clocks_of_every_tenant_through_the_worker(through_the_worker_connection):
    tenants = [TenantFactory(slug="north"), TenantFactory(slug="south")]
    for tenant in tenants:
        sla_desk(tenant)
        client = ClientFactory(tenant=tenant)
        with tenant_scope(tenant):
            services.open_ticket(client=client, title="Down", priority="P1", now=NY_MONDAY_9AM)

    assert sweep(now=NY_MONDAY_9AM + timedelta(days=3)).breached >= 2

    with cross_tenant("check the breaches"):
        assert set(SlaBreach.objects.values_list("tenant__slug", flat=True)) == {"north", "south"}


@through_both_connections
def test_the_billing_run_bills_every_tenant_through_the_worker(through_the_worker_connection):
    tenants = [TenantFactory(slug="north"), TenantFactory(slug="south")]
    for tenant in tenants:
        subscribe(
            tenant, customer(tenant, "Harbour Flat"), started_on=date(2026, 12, 1), tier=catalog(tenant).gold
        )

    result = run_billing(on=date(2026, 12, 1))

    assert {(run.tenant.slug, len(run.invoices)) for run in result.tenants} == {("north", 1), ("south", 1)}
