"""The webhooks staff pages in a real browser: an owner finds them in Settings, adds an endpoint with
its event types, reveals the secret (htmx), disables it with a reason from the dropdown, pages through
the delivery log, and deletes it after one question. No CSP violation or script error anywhere (the
`page` fixture fails the test otherwise), and no page is wider than a phone."""

import re

import pytest
from playwright.sync_api import expect

from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import (
    StaffMembershipFactory,
    TenantFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
)
from webhooks.models import DeliveryStatus, WebhookEndpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def allow_local_urls(settings):
    settings.ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS = True  # the live server's process reads the same settings


def owner_of(tenant):
    return StaffMembershipFactory(tenant=tenant, role=Role.OWNER).user


@pytest.mark.usefixtures("allow_local_urls")
def test_an_owner_adds_an_endpoint_reveals_its_secret_disables_and_deletes_it(page, sign_in):
    tenant = TenantFactory(name="Northwind AV")
    sign_in(page, owner_of(tenant))

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Settings").click()
    nav.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    page.get_by_role("link", name="Add an endpoint").first.click()

    page.get_by_label("URL").fill("http://127.0.0.1:9/hooks/accord")
    page.get_by_label("Description").fill("Northwind RMM")
    page.get_by_label("ticket.created").check()
    page.get_by_label("sla.breached").check()
    page.get_by_role("button", name="Add endpoint").click()

    expect(page.get_by_role("heading", name="127.0.0.1:9/hooks/accord", level=1)).to_be_visible()
    with tenant_scope(tenant):
        endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["ticket.created", "sla.breached"]
    expect(page.locator("#secret-value")).to_have_count(0)
    page.get_by_role("link", name="Reveal secret").click()
    expect(page.locator("#secret-value")).to_have_text(endpoint.secret)

    page.get_by_role("button", name="Disable").click()
    page.get_by_label("Why (optional)").fill("Partner moving servers")
    page.get_by_role("button", name="Disable endpoint").click()
    expect(page.get_by_role("status").filter(has_text="Partner moving servers")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No webhook endpoints yet")).to_be_visible()


def test_the_delivery_log_pages_and_filters_in_place(page, sign_in):
    tenant = TenantFactory()
    endpoint = WebhookEndpointFactory(tenant=tenant)
    failed = WebhookDeliveryFactory(endpoint=endpoint, status=DeliveryStatus.FAILED, last_error="HTTP 500")
    for _ in range(21):
        WebhookDeliveryFactory(endpoint=endpoint, status=DeliveryStatus.SUCCEEDED)
    sign_in(page, owner_of(tenant))

    page.goto(f"/webhooks/{endpoint.pk}/")
    expect(page.locator("#results li.item-row")).to_have_count(20)
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"cursor="))
    expect(page.locator("#results li.item-row")).to_have_count(2)
    expect(page.get_by_role("link", name="Previous")).to_be_visible()
    expect(page.get_by_text(failed.message_id, exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("^Failed")).click()
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(page.locator("#results li.item-row")).to_have_count(1)
    page.get_by_text("Attempts and message").click()
    expect(page.locator(".message-body")).to_contain_text('"type": "ticket.created"')


def test_on_a_phone_no_webhooks_page_is_wider_than_the_screen(phone_page, sign_in):
    tenant = TenantFactory()
    endpoint = WebhookEndpointFactory(
        tenant=tenant, url="https://integrations.a-partner-with-a-rather-long-name.example/hooks/accord/v2"
    )
    WebhookDeliveryFactory(
        endpoint=endpoint, status=DeliveryStatus.FAILED, last_error="HTTP 500 " + "x" * 200
    )
    page = sign_in(phone_page, owner_of(tenant))

    for url in [
        "/webhooks/",
        "/webhooks/new/",
        f"/webhooks/{endpoint.pk}/",
        f"/webhooks/{endpoint.pk}/edit/",
    ]:
        page.goto(url)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} is {overflow}px wider than a 390px phone screen"
