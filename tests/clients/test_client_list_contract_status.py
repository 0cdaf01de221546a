import datetime

import pytest
from django.urls import reverse

from tenants.localtime import tenant_today
from tests.factories import AgreementFactory, ClientFactory

pytestmark = pytest.mark.django_db


def _row_of(html: str, name: str) -> str:
    start = html.index(f">{name}</a>")
    return html[start : html.index("</tr>", start)]


@pytest.fixture
def clients_in_every_state(tenant):
    today = tenant_today(tenant)
    signed = ClientFactory(tenant=tenant, name="Signed Stores")
    AgreementFactory(client=signed, status="active")
    expiring = ClientFactory(tenant=tenant, name="Expiring Estates")
    AgreementFactory(
        client=expiring,
        status="expiring",
        starts_on=today - datetime.timedelta(days=350),
        ends_on=today + datetime.timedelta(days=14),
    )
    renewed = ClientFactory(tenant=tenant, name="Renewed Rentals")
    AgreementFactory(
        client=renewed,
        status="expiring",
        starts_on=today - datetime.timedelta(days=350),
        ends_on=today + datetime.timedelta(days=14),
    )
    AgreementFactory(
        client=renewed,
        status="signed",
        starts_on=today + datetime.timedelta(days=15),
        ends_on=today + datetime.timedelta(days=379),
    )
    sent = ClientFactory(tenant=tenant, name="Sent Salons")
    AgreementFactory(client=sent, status="sent", starts_on=None)
    declined = ClientFactory(tenant=tenant, name="Declined Dental")
    AgreementFactory(client=declined, status="declined", starts_on=None)
    lapsed = ClientFactory(tenant=tenant, name="Lapsed Lofts")
    AgreementFactory(
        client=lapsed,
        status="expired",
        starts_on=today - datetime.timedelta(days=500),
        ends_on=today - datetime.timedelta(days=135),
    )
    ClientFactory(tenant=tenant, name="Never Asked")
    return tenant


def test_each_client_shows_where_its_contract_stands(staff_client, clients_in_every_state):
    html = staff_client.get(reverse("clients:list")).content.decode()
    assert "Signed</span>" in _row_of(html, "Signed Stores")
    assert "Expiring</span>" in _row_of(html, "Expiring Estates")
    assert "Signed</span>" in _row_of(html, "Renewed Rentals")
    assert "Sent</span>" in _row_of(html, "Sent Salons")
    assert "Declined</span>" in _row_of(html, "Declined Dental")
    assert "Not sent</span>" in _row_of(html, "Lapsed Lofts")
    assert "Not sent</span>" in _row_of(html, "Never Asked")


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("signed", {"Signed Stores", "Renewed Rentals"}),
        ("expiring", {"Expiring Estates"}),
        ("sent", {"Sent Salons"}),
        ("declined", {"Declined Dental"}),
        ("not_sent", {"Lapsed Lofts", "Never Asked"}),
    ],
)
def test_the_client_list_filters_by_contract_status(staff_client, clients_in_every_state, status, shown):
    everyone = {
        "Signed Stores",
        "Expiring Estates",
        "Renewed Rentals",
        "Sent Salons",
        "Declined Dental",
        "Lapsed Lofts",
        "Never Asked",
    }
    html = staff_client.get(reverse("clients:list"), {"contract": status}).content.decode()
    assert {name for name in everyone if f">{name}</a>" in html} == shown
    assert f'value="{status}" selected' in html


def test_an_unknown_contract_filter_shows_every_client(staff_client, clients_in_every_state):
    html = staff_client.get(reverse("clients:list"), {"contract": "bogus"}).content.decode()
    assert "7 clients" in html


def test_a_filter_that_matches_nobody_says_so(staff_client, tenant):
    ClientFactory(tenant=tenant, name="Never Asked")
    html = staff_client.get(reverse("clients:list"), {"contract": "declined"}).content.decode()
    assert "No client matches these filters." in html


def _seed(tenant, count: int) -> None:
    for n in range(count):
        client = ClientFactory(tenant=tenant)
        if n % 3 == 0:
            AgreementFactory(client=client, status="active")
        elif n % 3 == 1:
            AgreementFactory(client=client, status="sent", starts_on=None)


def _queries_for_the_list(staff_client, django_assert_max_num_queries, limit: int) -> None:
    with django_assert_max_num_queries(limit) as captured:
        response = staff_client.get(reverse("clients:list"))
    assert response.status_code == 200
    return len(captured)


def test_the_client_list_takes_as_many_queries_for_thirty_clients_as_for_one(
    staff_client, tenant, django_assert_max_num_queries
):
    _seed(tenant, 1)
    one = _queries_for_the_list(staff_client, django_assert_max_num_queries, 40)
    _seed(tenant, 29)
    thirty = _queries_for_the_list(staff_client, django_assert_max_num_queries, one)
    assert thirty == one
