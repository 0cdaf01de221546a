"""Acceptance: every query a list page or an API list runs on a tenant table names its tenant itself.

Row-level security would cut a forgotten filter down to the tenant's rows, but only after reading them:
the planner uses the tenant-leading indexes when the query says ``tenant_id = X`` (issue 18). So the walk
signs in to the demo tenant, opens every staff page that takes no argument and every API list endpoint
(from the URL conf), records every statement they run, and checks that each table a query reads FROM
(the model of a queryset, in the main query and in every subquery) carries a ``tenant_id =`` (or ``IN``)
condition of its own. Tables reached by a JOIN are reached through a key from rows already filtered.
Queries inside ``cross_tenant(reason)`` (scopes disabled: a user's memberships, an API key's lookup)
are the declared exceptions.
"""

import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import NoReverseMatch, reverse
from django_scopes.state import get_scope

from tenants.history import TRACKED
from tenants.models import StaffMembership, Tenant, TenantOwned
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import api_key_for
from tests.test_tenant_isolation_urls import walk
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

# Tenant-owned models, and the history tables of tracked ones (tenants.history), which carry the tenant too.
TENANT_TABLES = {
    model._meta.db_table
    for model in apps.get_models(include_auto_created=True)
    if issubclass(model, TenantOwned) or model._meta.label in TRACKED
}
# FROM "table" [alias]: Django aliases subqueries U0, V0, T3…; hand-written SQL may leave quotes out.
FROM_TABLE = re.compile(
    r'\bFROM\s+"?(?P<table>\w+)"?(?:\s+(?:AS\s+)?"?(?P<alias>[A-Za-z]{1,2}\d*)"?\b)?', re.I
)
NOT_AN_ALIAS = {"on", "as", "where", "inner", "left", "right", "join", "order", "group", "limit", "for"}

# Staff pages with no argument that are not lists of tenant rows, or need more than a GET to show.
NOT_LISTS = {
    "healthz", "healthz_web",  # no tenant
    "tenants:switch",  # a POST target
    "tenants:logo",  # the logo file itself: 404 until one is uploaded
}  # fmt: skip
SKIPPED_NAMESPACES = ("accounts:", "portal:", "spotlight:", "api:", "admin:")


def unscoped_reads(statements: list[tuple[str, bool]]) -> list[str]:
    """The statements that read a tenant table without a tenant_id condition for it, with the table."""
    offending = []
    for sql, scoped in statements:
        if not scoped or not re.match(r"\s*(SELECT|WITH)\b", sql, re.I):
            continue
        for table, refs in _tables_read(sql).items():
            for ref in set(refs):
                conditions = re.findall(rf'"?{re.escape(ref)}"?\."?tenant_id"?\s*(?:=|IN\b)', sql, re.I)
                if len(conditions) < refs.count(ref):
                    offending.append(f"{table} (as {ref}) without tenant_id:\n    {sql}")
    return offending


def _tables_read(sql: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for match in FROM_TABLE.finditer(sql):
        table, alias = match["table"], match["alias"]
        if table not in TENANT_TABLES:
            continue
        ref = alias if alias and alias.lower() not in NOT_AN_ALIAS else table
        found.setdefault(table, []).append(ref)
    return found


class StatementLog:
    """Every statement run on the connection, and whether a tenant scope was in force (scopes disabled
    means ``cross_tenant``; no tenant means no scope at all)."""

    def __init__(self):
        self.statements: list[tuple[str, bool]] = []

    def __call__(self, execute, sql, params, many, context):
        scope = get_scope()
        in_tenant = scope.get("_enabled", True) and scope.get("tenant") is not None
        self.statements.append((sql, in_tenant))
        return execute(sql, params, many, context)


def staff_list_urls() -> list[tuple[str, str]]:
    urls = []
    for name, entry in walk():
        if name in NOT_LISTS or name.startswith(SKIPPED_NAMESPACES) or entry.pattern.converters:
            continue
        if getattr(entry.pattern, "regex", None) is not None and entry.pattern.regex.groupindex:
            continue
        urls.append((name, reverse(name)))
    return urls


def api_list_urls(**nested) -> list[tuple[str, str]]:
    """Every API list; a nested one (a ticket's attachments) under the objects named in ``nested``
    (``ticket_pk=…``): a nested list the walk has no object for fails the reverse, so it is learnt."""
    urls = []
    for name, _ in walk():
        if name.startswith("api:") and name.endswith("-list"):
            try:
                urls.append((name, reverse(name)))
            except NoReverseMatch:
                urls.append((name, reverse(name, kwargs=nested)))
    return urls


@pytest.fixture
def demo_tenant(small_demo):
    call_command("seed_demo", stdout=io.StringIO())
    tenant = Tenant.objects.order_by("pk").first()
    return tenant


def _owner(tenant):
    with tenant_scope(tenant):
        return StaffMembership.objects.filter(role=Role.OWNER).select_related("user").first().user


def _walk(client, urls, **extra) -> tuple[list[str], list[str]]:
    failures, errors = [], []
    for name, url in urls:
        log = StatementLog()
        with connection.execute_wrapper(log):
            response = client.get(url, **extra)
        if response.status_code == 405 or (response.status_code == 400 and url.endswith(".csv")):
            continue  # a form's POST target; an export that needs its period
        if response.status_code >= 400:
            errors.append(f"GET {url} ({name}) -> {response.status_code}")
        failures += [f"GET {url} ({name}): {problem}" for problem in unscoped_reads(log.statements)]
    return failures, errors


def test_the_check_finds_a_query_without_its_tenant_and_passes_one_with_it():
    table = "tickets_ticket"
    bare = f'SELECT "{table}"."id" FROM "{table}" WHERE "{table}"."status" = %s'
    scoped = (
        f'SELECT "{table}"."id" FROM "{table}" WHERE ("{table}"."tenant_id" = %s AND "{table}"."status" = %s)'
    )
    subquery = (
        f'SELECT "{table}"."id" FROM "{table}" WHERE ("{table}"."tenant_id" = %s AND "{table}"."id" IN '
        '(SELECT U0."ticket_id" FROM "tickets_slaclock" U0 WHERE U0."state" = %s))'
    )
    assert len(unscoped_reads([(bare, True)])) == 1
    assert unscoped_reads([(scoped, True)]) == []
    assert "tickets_slaclock (as U0)" in unscoped_reads([(subquery, True)])[0]
    assert unscoped_reads([(bare, False)]) == []  # cross_tenant(reason): declared


def test_every_list_page_api_list_search_and_cursor_filters_each_tenant_table_by_its_tenant(
    client, demo_tenant
):
    """One demo seed (the slow part) for the three walks."""
    with tenant_scope(demo_tenant):
        ticket = Ticket.objects.order_by("pk").first()
    staff_urls, api_urls = staff_list_urls(), api_list_urls(ticket_pk=ticket.pk)
    assert {"tickets:list", "tickets:board", "reports:breaches", "clients:list"} <= {n for n, _ in staff_urls}
    assert {"api:ticket-list", "api:client-list", "api:sla-clock-list"} <= {n for n, _ in api_urls}

    client.force_login(_owner(demo_tenant))
    staff_failures, staff_errors = _walk(client, staff_urls)

    client.logout()
    _, clear_key = api_key_for(demo_tenant, scopes=("read",))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {clear_key}"}
    api_failures, api_errors = _walk(client, api_urls, **auth)
    first = client.get("/api/v1/tickets/", {"page_size": 5}, **auth).json()
    variants = [
        ("search", "/api/v1/tickets/?search=printer"),
        ("status", "/api/v1/tickets/?status=closed&status=resolved&priority=P1"),
        ("open", "/api/v1/tickets/?open=true"),
        ("next page", first["next"]),
        ("open clocks", "/api/v1/sla-clocks/?open_tickets=true"),
    ]
    variant_failures, variant_errors = _walk(client, variants, **auth)

    failures = staff_failures + api_failures + variant_failures
    assert failures == [], "\n\n".join(failures)
    assert staff_errors + api_errors + variant_errors == [], "these URLs failed: the walk needs to learn them"
