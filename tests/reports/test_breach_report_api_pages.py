"""The breach report in the partner API answers a page at a time (keyset, newest deadline first) inside its
own envelope, counts every breach of the period, and its chart counts them all in SQL; the page's "still
running late" counts from the clocks not yet met."""

import base64
import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from reports.periods import Period
from reports.selectors import breaches_in_period, still_late_count
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, api_key_for, sla_desk
from tests.reports.conftest import ny
from tickets import services
from tickets.models import SlaBreach
from tickets.sweeper import sweep

pytestmark = pytest.mark.django_db

RANGE = {"period": "custom", "start": "2026-10-01", "end": "2026-11-30"}
URL = "/api/v1/reports/breaches/"


def key_of(tenant) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(tenant, scopes=('read',))[1]}"}


def open_and_breach(tenant, *, tickets: int, name: str) -> None:
    """``tickets`` P1 tickets opened at the same minute, all three clocks of each breached: three deadlines
    (first response 10:00, on-site 13:00, resolution 17:00), each shared by ``tickets`` breaches."""
    sla_desk(tenant)
    client = ClientFactory(tenant=tenant, name=name)
    with tenant_scope(tenant):
        for number in range(tickets):
            services.open_ticket(client=client, title=f"Outage {number}", priority="P1", now=ny(11, 2, 9))
    sweep(now=ny(11, 3, 9))


@pytest.fixture
def twelve_breaches(tenant):
    open_and_breach(tenant, tickets=4, name="Whitaker Residence")
    with tenant_scope(tenant):
        return list(SlaBreach.objects.order_by("-due_at", "-id").values_list("id", flat=True))


def walk(client, headers, url, params=None) -> list[dict]:
    """Every page from ``url`` on, following ``next``."""
    pages = []
    while url:
        body = client.get(url, params, **headers).json()
        pages.append(body)
        url, params = body["next"], None
    return pages


def test_a_page_is_the_newest_deadlines_with_the_periods_whole_count(client, tenant, twelve_breaches):
    body = client.get(URL, RANGE | {"page_size": 5}, **key_of(tenant)).json()

    assert body["count"] == 12
    assert [row["id"] for row in body["rows"]] == twelve_breaches[:5]
    assert body["previous"] is None
    following = urlsplit(body["next"])
    assert (following.scheme, following.netloc, following.path) == ("http", "testserver", URL)
    assert parse_qs(following.query).keys() >= {"period", "start", "end", "page_size", "cursor"}


def test_walking_next_gives_every_breach_once_across_equal_deadlines_and_previous_walks_back(
    client, tenant, twelve_breaches
):
    headers = key_of(tenant)
    pages = walk(client, headers, URL, RANGE | {"page_size": 3})  # each page ends inside a deadline's four

    assert [row["id"] for page in pages for row in page["rows"]] == twelve_breaches
    assert [len(page["rows"]) for page in pages] == [3, 3, 3, 3]
    assert {page["count"] for page in pages} == {12}
    assert pages[-1]["next"] is None
    back = client.get(pages[-1]["previous"], **headers).json()
    assert back["rows"] == pages[-2]["rows"]
    assert client.get(pages[1]["previous"], **headers).json()["previous"] is None


def test_the_whole_period_fits_one_page_of_up_to_a_thousand(client, tenant, twelve_breaches):
    body = client.get(URL, RANGE | {"page_size": 1000}, **key_of(tenant)).json()

    assert [row["id"] for row in body["rows"]] == twelve_breaches
    assert (body["next"], body["previous"]) == (None, None)
    assert len(client.get(URL, RANGE, **key_of(tenant)).json()["rows"]) == 12  # 100 by default


@pytest.mark.parametrize("page_size", ["0", "1001", "ten", "-5"])
def test_a_page_size_out_of_range_is_a_400_naming_it(client, tenant, page_size):
    response = client.get(URL, {"page_size": page_size}, **key_of(tenant))

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "page_size"


@pytest.mark.parametrize(
    "values", [["after", ["soon", 1]], ["after", [[1], 1]], ["after", [None, 1]], ["sideways", ["x", 1]]]
)
def test_a_cursor_that_is_not_one_of_ours_is_a_400_naming_it(client, tenant, values):
    forged = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
    for cursor in (forged, "not-a-cursor"):
        response = client.get(URL, {"cursor": cursor}, **key_of(tenant))
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "cursor"


def test_another_tenants_cursor_shows_nothing_of_theirs(client, tenant, other_tenant, twelve_breaches):
    open_and_breach(other_tenant, tickets=2, name="Rival Residence")
    ours = client.get(URL, RANGE | {"page_size": 3}, **key_of(tenant)).json()

    theirs = client.get(ours["next"], **key_of(other_tenant)).json()

    assert theirs["count"] == 6
    assert {row["client"] for row in theirs["rows"]} == {"Rival Residence"}
    assert not {row["id"] for row in theirs["rows"]} & set(twelve_breaches)


def test_the_chart_counts_every_breach_of_the_period_by_priority_and_metric(client, tenant, twelve_breaches):
    headers = key_of(tenant)
    body = client.get(reverse("api:report-breaches-by-priority"), RANGE, **headers).json()

    assert body["count"] == 12
    assert [(r["priority"], r["metric"], r["count"]) for r in body["rows"]] == [
        ("P1", "first_response", 4),
        ("P1", "onsite", 4),
        ("P1", "resolution", 4),
    ]
    only = client.get(reverse("api:report-breaches-by-priority"), RANGE | {"metric": "onsite"}, **headers)
    assert only.json()["count"] == 4


def test_the_page_draws_its_chart_from_the_counts_not_the_paged_list(staff_client, twelve_breaches):
    page = staff_client.get(reverse("reports:breaches"), RANGE).content.decode()

    assert 'data-source="/api/v1/reports/breaches/by-priority/?' in page


def test_the_csv_export_still_has_every_breach(staff_client, twelve_breaches):
    csv = staff_client.get(reverse("reports:breaches_csv"), RANGE).content.decode()

    assert len(csv.strip().splitlines()) == 1 + 12


def test_still_running_late_counts_the_unmet_clocks_of_the_periods_breaches_only(tenant, period, history):
    """history's two breaches were met late; then a new P1's first response and #3's resolution breach."""
    with tenant_scope(tenant):
        assert still_late_count(breaches_in_period(period)) == 0
        ticket = services.open_ticket(
            client=history["okafor"], title="Server room hot", priority="P1", now=ny(11, 20, 9)
        )
    sweep(now=ny(11, 20, 12))  # the P1's first response was due 10:00 (on-site 13:00: not yet)

    with tenant_scope(tenant):
        assert still_late_count(breaches_in_period(period)) == 2
        assert still_late_count(breaches_in_period(period, metric="onsite")) == 0
        assert still_late_count(breaches_in_period(period, priority="P3")) == 1
        october = Period("custom", date(2026, 10, 1), date(2026, 10, 31), tenant.timezone)
        assert still_late_count(breaches_in_period(october)) == 0  # October's breach was met late
        services.add_reply(ticket, body="Here.", author=history["ada"], now=ny(11, 20, 12, 30))
        assert still_late_count(breaches_in_period(period)) == 1


def test_the_staff_page_shows_the_first_page_for_a_cursor_of_the_wrong_types(staff_client, twelve_breaches):
    forged = base64.urlsafe_b64encode(json.dumps(["after", [[1], 1]]).encode()).decode()

    response = staff_client.get(reverse("reports:breaches"), RANGE | {"cursor": forged})

    assert response.status_code == 200
    assert "12 breaches due" in response.content.decode()


def test_the_schema_documents_the_pages_and_the_chart_counts(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    listing = schema["paths"][URL]["get"]
    example = next(iter(listing["responses"]["200"]["content"]["application/json"]["examples"].values()))

    names = {p["name"] for p in listing["parameters"]}
    assert names >= {"period", "metric", "priority", "page_size", "cursor"}
    assert list(example["value"]) == ["period", "count", "next", "previous", "rows"]
    counts = schema["paths"][f"{URL}by-priority/"]["get"]
    assert counts["responses"]["200"]["content"]["application/json"]["examples"]
