"""Partners hear about invoices: ``invoice.issued`` and ``invoice.paid`` carry the invoice exactly as the
API returns it, lines included."""

from decimal import Decimal

import pytest

from billing import services
from events.dispatch import dispatch_until_idle
from events.models import OutboxEvent
from tenants.localtime import tenant_today
from tenants.scope import tenant_scope
from tests.api.conftest import api_client
from tests.billing.invoice_setup import issued_invoice
from tests.factories import ClientFactory, WebhookEndpointFactory, api_key_for
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(tenant):
    return ClientFactory(tenant=tenant, name="Whitaker Residence")


def message_for(tenant, name):
    dispatch_until_idle()
    with tenant_scope(tenant):
        event = OutboxEvent.objects.filter(name=name).latest("id")
        return WebhookDelivery.objects.get(event=event).message


def test_an_issued_invoice_is_sent_as_the_api_shows_it(tenant, household):
    WebhookEndpointFactory(tenant=tenant, events=["invoice.issued"])
    invoice = issued_invoice(
        household, [("labour", "Replaced the PoE injector", "95.00")], tax_rate_percent="10"
    )

    message = message_for(tenant, "invoice.issued")

    assert message["type"] == "invoice.issued"
    data = message["data"]["invoice"]
    api = api_client(api_key_for(tenant, ["read"])[1]).get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert data == api
    assert (data["number"], data["total"], data["status"]) == (invoice.number, "104.50", "issued")
    assert data["lines"][0]["description"] == "Replaced the PoE injector"


def test_paying_in_full_sends_invoice_paid_once(tenant, household):
    WebhookEndpointFactory(tenant=tenant, events=["invoice.paid"])
    invoice = issued_invoice(household, [("labour", "Visit", "80.00")])
    with tenant_scope(tenant):
        services.record_payment(invoice, Decimal("30.00"), tenant_today(tenant), "card", "", "owner")
        services.record_payment(invoice, Decimal("50.00"), tenant_today(tenant), "card", "", "owner")

    message = message_for(tenant, "invoice.paid")

    assert message["data"]["invoice"]["status"] == "paid"
    assert message["data"]["invoice"]["balance"] == "0.00"
    with tenant_scope(tenant):
        assert WebhookDelivery.objects.filter(event_type="invoice.paid").count() == 1
        assert not WebhookDelivery.objects.filter(event_type="invoice.issued").exists()  # not subscribed
