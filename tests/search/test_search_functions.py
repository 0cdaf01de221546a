"""The search functions (tenants/trigram.py): SECURITY DEFINER functions that let the web role's searches
use the trigram indexes under row-level security, and return the current tenant's ids only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import trigram
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, TicketFactory
from tickets import selectors
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

TITLE_CONTAINING = "tickets_ticket_title_ids_containing"
TITLE_NEAR = "tickets_ticket_title_ids_near"
TITLE_INDEX = "ticket_tenant_title_trgm_idx"


@pytest.fixture
def pg_trgm():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            pytest.skip("this PostgreSQL does not ship pg_trgm: no trigram index, no near-miss function")


@pytest.fixture
def twins(tenant, other_tenant):
    """A ticket titled alike in each tenant."""
    ours = TicketFactory(client=ClientFactory(tenant=tenant), title="Router keeps dropping")
    theirs = TicketFactory(client=ClientFactory(tenant=other_tenant), title="Router keeps dropping")
    return ours, theirs


def _ids(function, argument):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {function}(%s, NULL)", [argument])
        return [pk for (pk,) in cursor.fetchall()]


def test_a_function_returns_the_current_tenants_matches_only(tenant, other_tenant, twins):
    ours, theirs = twins
    with tenant_scope(tenant):
        assert _ids(TITLE_CONTAINING, "%router%") == [ours.pk]
    with tenant_scope(other_tenant):
        assert _ids(TITLE_CONTAINING, "%ROUTER%") == [theirs.pk]


def test_without_a_tenant_a_function_returns_nothing(twins):
    assert _ids(TITLE_CONTAINING, "%router%") == []
    with connection.cursor() as cursor:  # an empty setting is no tenant either
        cursor.execute("SELECT set_config('app.tenant_id', '', true)")
    assert _ids(TITLE_CONTAINING, "%router%") == []


def test_the_near_miss_function_keeps_to_the_tenant_too(tenant, other_tenant, twins, pg_trgm):
    ours, _ = twins
    with tenant_scope(tenant):
        assert _ids(TITLE_NEAR, "routr") == [ours.pk]
    assert _ids(TITLE_NEAR, "routr") == []


def test_the_functions_run_as_the_owner_with_a_fixed_search_path(twins):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT prosecdef, provolatile, proconfig, pg_get_userbyid(proowner) = current_user "
            "FROM pg_proc WHERE proname = %s",
            [TITLE_CONTAINING],
        )
        [(definer, volatility, config, owned_by_the_web_role)] = cursor.fetchall()
    assert definer
    assert volatility == "s"  # STABLE
    assert config == ["search_path=pg_catalog, public"]
    assert not owned_by_the_web_role  # the tests act as the web role, which owns nothing


def test_matching_ids_escapes_like_wildcards_as_icontains_does(tenant):
    client = ClientFactory(tenant=tenant)
    discount = TicketFactory(client=client, title="Apply the 100% discount")
    TicketFactory(client=client, title="Apply the 100 discount")
    with tenant_scope(tenant):
        assert trigram.matching_ids(Ticket, ["title"], "100%") == [discount.pk]
        assert list(Ticket.objects.filter(title__icontains="100%")) == [discount]


def test_matching_ids_leaves_a_term_in_more_rows_than_the_cap_to_the_query(tenant):
    client = ClientFactory(tenant=tenant)
    for n in range(3):
        TicketFactory(client=client, title=f"Camera offline ({n})")
    with tenant_scope(tenant):
        assert len(trigram.matching_ids(Ticket, ["title"], "camera", cap=3)) == 3
        assert trigram.matching_ids(Ticket, ["title"], "camera", cap=2) is None


def _index_scans(index: str) -> int:
    """Scans of ``index`` in this transaction so far (the view counts before the commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_get_xact_numscans(%s::regclass)", [index])
        return cursor.fetchone()[0]


def _copies(ticket, count: int, title: str = "Camera offline") -> None:
    """``count`` copies of ``ticket`` titled "<title> (n)", in one statement."""
    columns = [f.column for f in Ticket._meta.concrete_fields if f.column not in ("id", "number", "title")]
    listed = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO tickets_ticket ({listed}, "number", "title") '
            f"SELECT {listed}, number + n, %s || ' (' || n || ')' FROM tickets_ticket, "
            "generate_series(1, %s) AS n WHERE id = %s",
            [title, count, ticket.pk],
        )


def _index_entries_read(index: str) -> int:
    """Entries ``index`` has returned in this transaction so far (for a GIN index: the row ids of its
    bitmaps, before the rows are read)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_get_xact_tuples_returned(%s::regclass)", [index])
        return cursor.fetchone()[0]


def _settle(settings, index: str) -> None:
    """As on a big tenant: the index's pending entries merged, the statistics up to date."""
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{settings.DATABASE_ROLES["owner"]}"')
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute(f'SET LOCAL ROLE "{settings.DATABASE_ROLES["web"]}"')


def test_the_web_roles_ticket_search_uses_the_trigram_index(tenant, twins, pg_trgm, settings):
    ours, _ = twins
    with tenant_scope(tenant):
        _copies(ours, 2000)
        _settle(settings, TITLE_INDEX)
        before = _index_scans(TITLE_INDEX)
        # The web role's own LIKE cannot use the index under row-level security (not leakproof)...
        assert list(Ticket.objects.filter(title__icontains="router")) == [ours]
        assert _index_scans(TITLE_INDEX) == before
        # ...the search goes through the function, which can, and filters on the ids it returns.
        with CaptureQueriesContext(connection) as captured:
            found = list(selectors.search_tickets(Ticket.objects.all(), "router"))
        assert found == [ours]
        assert _index_scans(TITLE_INDEX) > before
    [*_, listed] = [query["sql"] for query in captured.captured_queries]
    assert '"tickets_ticket"."id" IN' in listed
    assert "LIKE" not in listed


def test_a_tenants_search_reads_none_of_the_other_tenants_matches(tenant, other_tenant, twins, settings):
    ours, theirs = twins
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'")
        if cursor.fetchone() is None:
            pytest.skip("this PostgreSQL does not ship btree_gin: the trigram index holds no tenant")
    with tenant_scope(other_tenant):
        _copies(theirs, 2000, title="Router keeps dropping")  # 2,001 routers in the other tenant, one in ours
    with tenant_scope(tenant):
        _copies(ours, 2000)  # as many tickets of ours, none about a router
        _settle(settings, TITLE_INDEX)
        scans, entries = _index_scans(TITLE_INDEX), _index_entries_read(TITLE_INDEX)
        assert trigram.matching_ids(Ticket, ["title"], "router") == [ours.pk]
        # Found through the index, which skipped the other tenant's 2,001 matches: without the tenant in it,
        # it named both tenants' 2,002 routers (or the planner left it for the tenant's 2,001 tickets).
        assert _index_scans(TITLE_INDEX) > scans
        assert _index_entries_read(TITLE_INDEX) - entries < 10


def test_the_staff_list_finds_the_same_tickets_whichever_way_it_matches(tenant, monkeypatch):
    client = ClientFactory(tenant=tenant, name="Okafor Dental Group")
    TicketFactory(client=client, title="Camera offline", description="Gate camera")
    TicketFactory(client=client, title="Gate camera offline")
    TicketFactory(client=ClientFactory(tenant=tenant), title="Lights", description="The gate lights")
    TicketFactory(client=ClientFactory(tenant=tenant), title="Projector fan noisy")

    def titles():
        with tenant_scope(tenant):
            return [ticket.title for ticket in selectors.ticket_list(q="gate", status="all")]

    through_functions = titles()
    monkeypatch.setattr(selectors, "SEARCH_IDS_CAP", 1)  # "gate" is now a common term: matched in the list
    assert titles() == through_functions == ["Lights", "Gate camera offline", "Camera offline"]


def test_a_database_without_the_functions_still_finds_the_tickets(tenant, twins, monkeypatch):
    ours, _ = twins  # e.g. a process started before the migration: the list matches in its own query
    monkeypatch.setattr(trigram, "_existing_functions", lambda connection: frozenset())
    with tenant_scope(tenant):
        assert trigram.matching_ids(Ticket, ["title"], "router") is None
        assert list(selectors.search_tickets(Ticket.objects.all(), "router")) == [ours]


def test_a_common_term_is_matched_in_the_list_which_names_its_clients_tenant(tenant, monkeypatch):
    """The planner's guesses under RLS: a common term's LIKE through text_contains_pattern, and the
    clients read by a query of their own that names the tenant (tickets.selectors.ticket_list)."""
    client = ClientFactory(tenant=tenant)
    TicketFactory(client=client, title="Kitchen speaker silent")
    TicketFactory(client=client, title="Lounge TV", description="Kitchen too")
    TicketFactory(client=client, title="Projector fan noisy")
    monkeypatch.setattr(selectors, "SEARCH_IDS_CAP", 0)
    with tenant_scope(tenant), CaptureQueriesContext(connection) as captured:
        titles = [ticket.title for ticket in selectors.ticket_list(q="kitchen", status="all")]
    assert titles == ["Lounge TV", "Kitchen speaker silent"]
    listed = [q["sql"] for q in captured.captured_queries if 'FROM "tickets_ticket"' in q["sql"]][-1]
    assert "text_contains_pattern(" in listed
    clients = [q["sql"] for q in captured.captured_queries if 'FROM "clients_client"' in q["sql"]][-1]
    assert f'"clients_client"."tenant_id" = {tenant.pk}' in clients
