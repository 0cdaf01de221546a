"""The staff pages of webhooks: for managers and owners only; the list with status and counts, adding an
endpoint with event types as checkboxes, the secret shown on demand, rotating, disabling, enabling,
deleting, and the delivery log with its attempts and "send again"."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookEndpoint
from webhooks.services import set_enabled

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def endpoint(tenant):
    return WebhookEndpointFactory(
        tenant=tenant, url="https://rmm.partner.example/hooks", description="Northwind RMM"
    )


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.OWNER, True), (Role.MANAGER, True), (Role.DISPATCHER, False), (Role.TECHNICIAN, False),
     (Role.BILLING, False), (Role.READ_ONLY, False)],
)  # fmt: skip
def test_only_managers_and_owners_see_webhooks_and_its_menu_entry(
    client, login_as, tenant, endpoint, role, allowed
):
    login_as(tenant, role)

    assert client.get(reverse("webhooks:list")).status_code == (200 if allowed else 403)
    assert client.get(reverse("webhooks:detail", args=[endpoint.pk])).status_code == (200 if allowed else 403)
    assert (reverse("webhooks:list") in client.get(reverse("tenants:home")).content.decode()) is allowed


def test_the_list_shows_each_endpoint_with_its_status_and_recent_counts(staff_client, tenant, endpoint):
    WebhookEndpointFactory(tenant=tenant, url="https://old.partner.example/hooks", is_enabled=False)
    WebhookDeliveryFactory(endpoint=endpoint, status=DeliveryStatus.SUCCEEDED)
    WebhookDeliveryFactory(endpoint=endpoint, status=DeliveryStatus.FAILED)
    WebhookDeliveryFactory(endpoint=endpoint, status=DeliveryStatus.FAILED)

    html = page(staff_client.get(reverse("webhooks:list")))

    assert "https://rmm.partner.example/hooks" in html
    assert "Northwind RMM" in html
    assert "Enabled" in html
    assert "Disabled" in html
    assert '<span class="text-danger fw-medium">2</span>' in html


def test_an_empty_list_says_what_webhooks_are_for(staff_client):
    assert "No webhook endpoints yet" in page(staff_client.get(reverse("webhooks:list")))


def test_the_form_offers_every_event_type_as_a_checkbox_with_its_description(staff_client):
    html = page(staff_client.get(reverse("webhooks:create")))

    for name in ("ticket.created", "sla.breached", "agreement.signed", "client.created"):
        assert f'value="{name}"' in html
    assert "An SLA clock passed its due time without being met." in html


def test_adding_an_endpoint_goes_to_its_page(staff_client, tenant, settings):
    settings.ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS = True
    response = staff_client.post(
        reverse("webhooks:create"),
        {
            "url": "http://127.0.0.1:9000/hooks",
            "description": "Test bench",
            "events": ["ticket.created", "sla.breached"],
        },
    )

    with tenant_scope(tenant):
        endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("webhooks:detail", args=[endpoint.pk])
    assert endpoint.events == ["ticket.created", "sla.breached"]
    assert endpoint.secret.startswith("whsec_")


def test_an_endpoint_on_a_private_address_is_refused_and_the_form_kept(staff_client, settings):
    settings.ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS = False

    html = page(
        staff_client.post(
            reverse("webhooks:create"), {"url": "http://10.0.0.5/hooks", "events": ["ticket.created"]}
        )
    )

    assert "non-public address" in html
    assert 'value="http://10.0.0.5/hooks"' in html
    assert 'value="ticket.created" id="event-ticketcreated" checked' in html


def test_an_endpoint_without_event_types_is_refused(staff_client):
    html = page(staff_client.post(reverse("webhooks:create"), {"url": "https://rmm.partner.example/hooks"}))

    assert "Choose at least one event type." in html


def test_editing_an_endpoint_changes_its_events(staff_client, tenant, endpoint, monkeypatch):
    monkeypatch.setattr("webhooks.services.validate_webhook_url", lambda url: None)  # no DNS in tests

    response = staff_client.post(
        reverse("webhooks:update", args=[endpoint.pk]),
        {"url": endpoint.url, "description": "Renamed", "events": ["agreement.signed"]},
    )

    assert response.status_code == 302
    with tenant_scope(tenant):
        endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.events) == ("Renamed", ["agreement.signed"])


def test_the_secret_is_shown_only_on_demand_and_never_cached(staff_client, endpoint):
    url = reverse("webhooks:detail", args=[endpoint.pk])

    hidden = staff_client.get(url)
    shown = staff_client.get(url, {"secret": "show"})

    assert endpoint.secret not in page(hidden)
    assert "Reveal secret" in page(hidden)
    assert endpoint.secret in page(shown)
    assert "no-store" in shown["Cache-Control"]


def test_rotating_shows_the_new_secret_and_says_the_old_one_still_signs(staff_client, tenant, endpoint):
    old_secret = endpoint.secret

    response = staff_client.post(reverse("webhooks:rotate", args=[endpoint.pk]), follow=True)

    with tenant_scope(tenant):
        endpoint.refresh_from_db()
    html = page(response)
    assert endpoint.secret != old_secret
    assert endpoint.secret in html
    assert old_secret not in html
    assert "The previous secret also signs until" in html


def test_disabling_with_a_reason_and_enabling_again(staff_client, tenant, endpoint):
    url = reverse("webhooks:enabled", args=[endpoint.pk])

    html = page(
        staff_client.post(url, {"action": "disable", "reason": "Partner moving servers"}, follow=True)
    )
    with tenant_scope(tenant):
        endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    assert "Partner moving servers" in html

    staff_client.post(url, {"action": "enable"})
    with tenant_scope(tenant):
        endpoint.refresh_from_db()
    assert endpoint.is_enabled


def test_deleting_asks_once_and_removes_the_endpoint(staff_client, tenant, endpoint):
    detail = page(staff_client.get(reverse("webhooks:detail", args=[endpoint.pk])))
    assert 'data-confirm="Delete the endpoint' in detail

    response = staff_client.post(reverse("webhooks:delete", args=[endpoint.pk]))

    assert response.url == reverse("webhooks:list")
    with tenant_scope(tenant):
        assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_shows_newest_first_with_attempts_and_filters_by_status(
    staff_client, tenant, endpoint
):
    failed = WebhookDeliveryFactory(
        endpoint=endpoint,
        status=DeliveryStatus.FAILED,
        attempts=1,
        last_error="HTTP 500 Internal Server Error",
    )
    succeeded = WebhookDeliveryFactory(
        endpoint=endpoint, event_type="sla.breached", status=DeliveryStatus.SUCCEEDED
    )
    with tenant_scope(tenant):
        WebhookAttempt.objects.create(tenant=tenant, delivery=failed, number=1, at=timezone.now(),
                                      status_code=500, duration_ms=120, response_body="boom")  # fmt: skip
    url = reverse("webhooks:detail", args=[endpoint.pk])

    html = page(staff_client.get(url))
    assert html.index(succeeded.message_id) < html.index(failed.message_id)
    assert "HTTP 500 Internal Server Error" in html
    assert "120 ms" in html
    assert "boom" in html

    only_failed = page(
        staff_client.get(url, {"status": "failed"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    )
    assert "<html" not in only_failed
    assert failed.message_id in only_failed
    assert succeeded.message_id not in only_failed


def test_the_delivery_log_pages_by_keyset_and_keeps_the_status(staff_client, endpoint):
    oldest = WebhookDeliveryFactory(endpoint=endpoint, status=DeliveryStatus.FAILED)
    for _ in range(20):
        WebhookDeliveryFactory(endpoint=endpoint, status=DeliveryStatus.FAILED)
    url = reverse("webhooks:detail", args=[endpoint.pk])

    html = page(staff_client.get(url, {"status": "failed"}))
    assert html.count('class="list-group-item item-row"') == 20
    assert oldest.message_id not in html
    cursor = re.search(r'href="\?status=failed&(?:amp;)?cursor=([\w-]+)" rel="next"', html)[1]
    older = page(staff_client.get(url, {"status": "failed", "cursor": cursor}))
    assert older.count('class="list-group-item item-row"') == 1
    assert oldest.message_id in older
    assert 'rel="prev">Previous<' in older


def test_send_again_queues_a_failed_delivery(staff_client, tenant, endpoint):
    failed = WebhookDeliveryFactory(endpoint=endpoint, status=DeliveryStatus.FAILED, next_attempt_at=None)

    response = staff_client.post(reverse("webhooks:send_again", args=[failed.pk]))

    assert response.url == reverse("webhooks:detail", args=[endpoint.pk])
    with tenant_scope(tenant):
        failed.refresh_from_db()
    assert failed.status == DeliveryStatus.PENDING
    assert failed.next_attempt_at is not None


def test_the_pages_have_no_inline_scripts_styles_or_handlers(staff_client, tenant, endpoint):
    WebhookDeliveryFactory(endpoint=endpoint)
    for url in [
        reverse("webhooks:list"),
        reverse("webhooks:create"),
        reverse("webhooks:detail", args=[endpoint.pk]),
        reverse("webhooks:detail", args=[endpoint.pk]) + "?secret=show",
        reverse("webhooks:update", args=[endpoint.pk]),
    ]:
        response = staff_client.get(url)
        html = page(response)
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script, f"inline script on {url}"
        assert not re.search(r"\sstyle=\"", html), f"inline style on {url}"
        assert not re.search(r"\son[a-z]+=\"", html), f"inline event handler on {url}"


def test_when_an_endpoint_was_added_and_disabled_reads_in_the_tenants_time_zone(staff_client, tenant):
    # 02:30 UTC on 6 Dec is still the evening of 5 Dec in New York, the tenant's zone.
    with time_machine.travel(datetime(2026, 12, 6, 2, 30, tzinfo=UTC), tick=False):
        endpoint = WebhookEndpointFactory(tenant=tenant)
        with tenant_scope(tenant):
            set_enabled(endpoint, False, reason="Partner moving servers")

    html = page(staff_client.get(reverse("webhooks:detail", args=[endpoint.pk])))

    assert "Added 5 Dec 2026" in html
    assert "Disabled 5 Dec 2026, 21:30" in html
