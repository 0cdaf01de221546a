"""tenants.backend: inside a tenant's scope, every JOIN to a tenant table names the tenant in its ON clause,
so the planner estimates the joined table from its statistics instead of one row per tenant (issue 18)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.scope import cross_tenant, tenant_scope
from tests.factories import ClientFactory, SiteFactory, TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def joins_of(sql: str) -> list[str]:
    return re.findall(
        r"((?:INNER|LEFT OUTER) JOIN .*? ON \(.*?\))(?= INNER| LEFT| WHERE| ORDER| LIMIT|$)", sql
    )


def test_a_select_related_join_to_a_tenant_table_names_the_scoped_tenant():
    ticket = TicketFactory()
    with tenant_scope(ticket.tenant), CaptureQueriesContext(connection) as queries:
        list(Ticket.objects.select_related("client", "site"))
    (sql,) = [q["sql"] for q in queries if 'FROM "tickets_ticket"' in q["sql"]]
    joins = joins_of(sql)
    assert {join.split()[0] for join in joins} == {"INNER", "LEFT"}
    for join in joins:
        assert f'"tenant_id" = {ticket.tenant.pk})' in join, join


def test_a_join_made_by_a_filter_names_the_tenant_too():
    ticket = TicketFactory()
    with tenant_scope(ticket.tenant), CaptureQueriesContext(connection) as queries:
        assert list(Ticket.objects.filter(client__name=ticket.client.name)) == [ticket]
    assert f'"clients_client"."tenant_id" = {ticket.tenant.pk})' in queries[-1]["sql"]


def test_an_outer_join_keeps_the_rows_without_a_match():
    client = ClientFactory()
    with_site = TicketFactory(client=client, site=SiteFactory(client=client, tenant=client.tenant))
    without_site = TicketFactory(client=client)
    with tenant_scope(client.tenant):
        found = list(Ticket.objects.select_related("site").order_by("site__name", "pk"))
    assert [t.pk for t in found] == [with_site.pk, without_site.pk]
    assert found[1].site is None


def test_across_tenants_nothing_is_added():
    TicketFactory()
    with cross_tenant("the test reads every tenant's tickets"), CaptureQueriesContext(connection) as queries:
        list(Ticket.objects.select_related("client"))
    assert '"tenant_id" =' not in queries[-1]["sql"]
