import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from search.selectors import search_everything
from tenants import trigram
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import (
    AgreementFactory,
    ClientFactory,
    ContactFactory,
    SiteFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pg_trgm():
    """Skips where the server does not ship pg_trgm (the embedded PostgreSQL); where it does, the
    migrations must have installed it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            pytest.skip("this PostgreSQL does not ship pg_trgm: search falls back to substrings")
    assert trigram.trigram_installed(), "pg_trgm is available but the migrations did not install it"


@pytest.fixture
def whitaker(tenant):
    client = ClientFactory(tenant=tenant, name="Whitaker Residence", email="office@whitaker.example")
    ContactFactory(client=client, full_name="Priya Lindqvist", email="priya@whitaker.example")
    SiteFactory(client=client, name="Lake House", address_line1="41 Shoreline Drive", city="Rye")
    return client


def _search(tenant, query, limit=5, **kwargs):
    with tenant_scope(tenant):
        results = search_everything(tenant, query, limit, **kwargs)
    return {group.kind: [hit.label for hit in group.hits] for group in results.groups}


def test_it_finds_a_client_by_part_of_its_name_in_any_case(tenant, whitaker):
    assert _search(tenant, "whitaker")["clients"] == ["Whitaker Residence"]


def test_it_finds_a_contact_by_name_or_email(tenant, whitaker):
    assert _search(tenant, "lindqvist")["contacts"] == ["Priya Lindqvist"]
    assert _search(tenant, "priya@whit")["contacts"] == ["Priya Lindqvist"]


def test_it_finds_a_site_by_name_street_or_city(tenant, whitaker):
    assert _search(tenant, "lake house")["sites"] == ["Lake House"]
    assert _search(tenant, "shoreline")["sites"] == ["Lake House"]


def test_it_finds_a_ticket_by_title_or_number(tenant, whitaker):
    ticket = TicketFactory(client=whitaker, title="Projector flickers in the boardroom")
    assert _search(tenant, "projector")["tickets"] == [
        f"#{ticket.number} Projector flickers in the boardroom"
    ]
    assert _search(tenant, f"#{ticket.number}")["tickets"] == [
        f"#{ticket.number} Projector flickers in the boardroom"
    ]


def test_it_finds_an_agreement_by_title_or_number(tenant, whitaker):
    agreement = AgreementFactory(client=whitaker, version__title="Managed Home Network Agreement")
    label = f"#{agreement.pk} Managed Home Network Agreement (v{agreement.version.number})"
    assert _search(tenant, "home network")["agreements"] == [label]
    assert _search(tenant, f"#{agreement.pk}")["agreements"] == [label]


def test_a_near_miss_still_finds_the_row(tenant, whitaker, pg_trgm):
    assert _search(tenant, "Witaker")["clients"] == ["Whitaker Residence"]


def test_near_misses_are_looked_for_only_when_nothing_contains_the_query(tenant, whitaker, pg_trgm):
    ClientFactory(tenant=tenant, name="Witaker Farm")
    assert _search(tenant, "Witaker")["clients"] == ["Witaker Farm"]


def test_the_results_page_says_when_it_shows_near_misses(staff_client, whitaker, pg_trgm):
    html = staff_client.get(reverse("search:results"), {"q": "witaker"}).content.decode()
    assert "Nothing contains “witaker”" in html
    assert "Whitaker Residence" in html


def test_without_pg_trgm_it_still_finds_substrings(tenant, whitaker, monkeypatch):
    monkeypatch.setattr(trigram, "trigram_installed", lambda using="default": False)
    assert _search(tenant, "whitaker")["clients"] == ["Whitaker Residence"]
    assert "clients" not in _search(tenant, "Witaker")


def test_a_one_letter_query_finds_nothing(tenant, whitaker):
    assert _search(tenant, "w") == {}


def test_each_kind_stops_at_the_limit_and_says_there_is_more(tenant):
    for n in range(4):
        ClientFactory(tenant=tenant, name=f"Harbor Marina {n}")
    with tenant_scope(tenant):
        [group] = search_everything(tenant, "harbor marina", 3, kinds=["clients"]).groups
    assert len(group.hits) == 3
    assert group.has_more


def test_search_never_shows_another_tenants_rows_with_the_same_names(tenant, other_tenant):
    for owner in (tenant, other_tenant):
        client = ClientFactory(tenant=owner, name="Whitaker Residence", email="office@whitaker.example")
        ContactFactory(client=client, full_name="Priya Lindqvist", email="priya@whitaker.example")
        SiteFactory(client=client, name="Whitaker Lake House")
        TicketFactory(client=client, title="Whitaker router is down")
        AgreementFactory(client=client, version__title="Whitaker Service Agreement")
    with tenant_scope(tenant):
        results = search_everything(tenant, "whitaker", 20)
    urls = [hit.url for group in results.groups for hit in group.hits]
    assert {group.kind for group in results.groups} == {
        "clients",
        "contacts",
        "sites",
        "tickets",
        "agreements",
    }
    assert len(urls) == 5  # one of each kind: the other tenant's twins are not there
    with tenant_scope(other_tenant):
        theirs = search_everything(other_tenant, "whitaker", 20)
    assert not set(urls) & {hit.url for group in theirs.groups for hit in group.hits}


def test_asking_for_another_tenant_inside_this_tenants_scope_finds_nothing(tenant, other_tenant):
    ClientFactory(tenant=other_tenant, name="Whitaker Residence")
    with tenant_scope(tenant):  # row-level security and the scoped managers both hold
        assert search_everything(other_tenant, "whitaker", 5).groups == []


def test_the_results_page_lists_hits_grouped_by_kind(staff_client, whitaker):
    html = staff_client.get(reverse("search:results"), {"q": "whitaker"}).content.decode()
    assert 'id="results-clients"' in html
    assert 'id="results-contacts"' in html
    assert reverse("clients:detail", args=[whitaker.pk]) in html


def test_the_results_page_of_one_tenant_leaves_out_the_other(staff_client, other_tenant, whitaker):
    twin = ClientFactory(tenant=other_tenant, name="Whitaker Residence")
    html = staff_client.get(reverse("search:results"), {"q": "whitaker"}).content.decode()
    assert reverse("clients:detail", args=[twin.pk]) not in html


def test_the_results_page_says_when_nothing_matches(staff_client, whitaker):
    html = staff_client.get(reverse("search:results"), {"q": "zebra crossing"}).content.decode()
    assert "Nothing matches “zebra crossing”." in html


def test_the_live_results_are_a_fragment_with_a_link_to_all_results(staff_client, whitaker):
    response = staff_client.get(reverse("search:live"), {"q": "whitaker"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert "Whitaker Residence" in html
    assert f"{reverse('search:results')}?q=whitaker" in html


def test_an_empty_live_query_returns_nothing_to_show(staff_client, whitaker):
    response = staff_client.get(reverse("search:live"), {"q": " "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_every_staff_page_has_the_search_box(staff_client):
    html = staff_client.get(reverse("clients:list")).content.decode()
    assert 'id="top-search-q"' in html
    assert f'hx-get="{reverse("search:live")}"' in html


def test_a_very_long_query_is_cut_short_rather_than_refused(staff_client, whitaker):
    response = staff_client.get(reverse("search:results"), {"q": "whitaker" + "x" * 5000})
    assert response.status_code == 200
    assert 'maxlength="100"' in response.content.decode()


def test_search_needs_a_sign_in(client):
    response = client.get(reverse("search:results"), {"q": "whitaker"})
    assert response.status_code == 302


def _client_queries(tenant, query):
    with tenant_scope(tenant), CaptureQueriesContext(connection) as captured:
        search_everything(tenant, query, 5, kinds=["clients"])
    return [query["sql"] for query in captured.captured_queries if "clients_client" in query["sql"]]


def test_the_search_asks_the_search_functions_then_lists_their_ids(tenant, whitaker, pg_trgm):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'client_tenant_name_trgm_idx'")
        [(definition,)] = cursor.fetchall()
    assert "upper((name)::text) gin_trgm_ops)" in definition  # what the functions' LIKE can use
    asked, listed = _client_queries(tenant, "whitaker")  # found: no second pass
    assert "clients_client_name_ids_containing(" in asked
    assert "clients_client_email_ids_containing(" in asked
    assert f'"clients_client"."id" IN ({whitaker.pk})' in listed
    assert '"clients_client"."tenant_id" = ' in listed
    # Nothing contains it (no list to read), so the near-miss pass, ranked by word similarity.
    asked, asked_near, listed = _client_queries(tenant, "witaker")
    assert "clients_client_name_ids_near(" in asked_near
    assert f'"clients_client"."id" IN ({whitaker.pk})' in listed
    assert "WORD_SIMILARITY(" in listed.upper()
    assert '"clients_client"."tenant_id" = ' in listed


def test_a_read_only_member_can_search(client, login_as, tenant, whitaker):
    login_as(tenant, Role.READ_ONLY)
    html = client.get(reverse("search:results"), {"q": "whitaker"}).content.decode()
    assert "Whitaker Residence" in html
