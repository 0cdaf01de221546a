"""The staff agreement list pages by keyset (Previous / Next, like the ticket list): every agreement once,
most recently changed first, with the filters kept from page to page; the count stops at 1,000."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from contracts.models import Agreement
from contracts.views_agreements import AgreementListView
from tenants.scope import tenant_scope
from tests.factories import AgreementFactory, ClientFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def seven_agreements(tenant):
    """Client 0 changed first, client 6 last; clients 2 and 3 at the same moment (the id breaks the tie)."""
    rows = []
    for n, hours in enumerate((0, 1, 2, 2, 3, 4, 5)):
        status = "declined" if n % 2 else "active"
        agreement = AgreementFactory(client=ClientFactory(tenant=tenant, name=f"Client {n}"), status=status)
        with tenant_scope(tenant):
            Agreement.objects.filter(pk=agreement.pk).update(updated_at=START + timedelta(hours=hours))
        rows.append(agreement)
    return rows


def names(page: str) -> list[str]:
    return re.findall(r'class="row-link"[^>]*>([^<]+)<', page)


def next_cursor(page: str) -> str:
    return re.search(r'href="\?[^"]*cursor=([\w-]+)" rel="next"', page)[1]


def test_the_list_walks_every_agreement_once_newest_change_first(staff_client, seven_agreements, monkeypatch):
    monkeypatch.setattr(AgreementListView, "page_size", 3)
    url = reverse("contracts:agreement_list")
    first = staff_client.get(url).content.decode()
    second = staff_client.get(url, {"cursor": next_cursor(first)}).content.decode()
    third = staff_client.get(url, {"cursor": next_cursor(second)}).content.decode()

    assert "7 agreements" in first
    assert names(first) == ["Client 6", "Client 5", "Client 4"]
    assert names(second) == ["Client 3", "Client 2", "Client 1"]
    assert names(third) == ["Client 0"]
    assert 'rel="prev">Previous<' in third
    assert 'rel="next"' not in third
    back = re.search(r'href="\?[^"]*cursor=([\w-]+)" rel="prev"', third)[1]
    assert names(staff_client.get(url, {"cursor": back}).content.decode()) == names(second)


def test_the_next_page_keeps_the_filters(staff_client, seven_agreements, monkeypatch):
    monkeypatch.setattr(AgreementListView, "page_size", 2)
    url = reverse("contracts:agreement_list")
    first = staff_client.get(url, {"status": "declined"}, HTTP_HX_REQUEST="true").content.decode()
    assert "3 agreements" in first
    assert names(first) == ["Client 5", "Client 3"]
    assert re.search(r'href="\?status=declined&(?:amp;)?cursor=[\w-]+" rel="next"', first)

    second = staff_client.get(
        url, {"status": "declined", "cursor": next_cursor(first)}, HTTP_HX_REQUEST="true"
    )
    assert names(second.content.decode()) == ["Client 1"]


def test_a_cursor_that_does_not_decode_shows_the_first_page(staff_client, seven_agreements, monkeypatch):
    monkeypatch.setattr(AgreementListView, "page_size", 3)
    page = staff_client.get(reverse("contracts:agreement_list"), {"cursor": "not-base64!"}).content.decode()
    assert names(page) == ["Client 6", "Client 5", "Client 4"]


def test_the_count_stops_at_a_thousand(staff_client, seven_agreements, monkeypatch):
    monkeypatch.setattr("tenants.keyset_pages.capped_count", lambda rows: (5, True))
    page = staff_client.get(reverse("contracts:agreement_list")).content.decode()
    assert "More than 5 agreements" in page
