"""Staff tables on a 390 px phone: the SLA board, the renewals pipeline and the SLA reports turn each
row into a card (CSS only), so the ticket or client reads on a line of its own instead of three letters
wide in a row half a screen tall."""

import datetime

import pytest
from playwright.sync_api import expect

from tenants.roles import Role
from tests.factories import (
    AgreementFactory,
    ClientFactory,
    StaffMembershipFactory,
    TenantFactory,
    TicketFactory,
    sla_desk,
    tenant_today,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIN_MAIN_WIDTH = 200  # px: the ticket or client reads as words, not letters
MAX_ROW_HEIGHT = 250  # px: several rows fit on a phone screen


def boxes(page, rows_selector: str, main_selector: str) -> list[tuple[float, float]]:
    """(height of each row, width of its main cell) as the browser laid them out."""
    rows = page.locator(rows_selector)
    expect(rows.first).to_be_visible()
    return [
        (rows.nth(i).bounding_box()["height"], rows.nth(i).locator(main_selector).bounding_box()["width"])
        for i in range(rows.count())
    ]


def assert_card_like(measured, what):
    assert measured, f"no {what} rows"
    for height, width in measured:
        assert width >= MIN_MAIN_WIDTH, f"the {what} column is {width:.0f} px wide on a 390 px phone"
        assert height <= MAX_ROW_HEIGHT, f"a {what} row is {height:.0f} px tall on a 390 px phone"


@pytest.fixture
def northwind():
    tenant = TenantFactory(name="Northwind AV & Home Technology")
    sla_desk(tenant)
    owner = StaffMembershipFactory(tenant=tenant, role=Role.OWNER).user
    return tenant, owner


def test_the_sla_board_on_a_phone_shows_each_ticket_as_a_card(phone_page, sign_in, northwind):
    tenant, owner = northwind
    lake_house = ClientFactory(tenant=tenant, name="The Whitaker Family Lake House")
    for title in (
        "No picture on the lounge TV after the firmware update",
        "Sonos in the kitchen drops out every evening",
        "Projector in the cinema room will not power on",
    ):
        TicketFactory(client=lake_house, title=title)
    page = sign_in(phone_page, owner)

    page.goto("/tickets/board/")

    assert_card_like(boxes(page, "#board tbody tr", "td:has(a.row-link)"), "ticket")


def test_the_renewals_pipeline_and_sla_reports_on_a_phone_show_cards(phone_page, sign_in, northwind):
    tenant, owner = northwind
    today = tenant_today(tenant)
    for name in ("The Whitaker Family Lake House", "Petrov & Partners Architects"):
        AgreementFactory(
            client=ClientFactory(tenant=tenant, name=name),
            starts_on=today - datetime.timedelta(days=340),
            ends_on=today + datetime.timedelta(days=20),
        )
    TicketFactory(client__tenant=tenant, title="Projector in the cinema room will not power on")
    page = sign_in(phone_page, owner)

    page.goto("/contracts/renewals/")
    assert_card_like(boxes(page, "table tbody tr", "td >> nth=0"), "renewals client")

    page.goto("/reports/sla/")
    assert_card_like(boxes(page, "table tbody tr", "th >> nth=0"), "compliance group")
