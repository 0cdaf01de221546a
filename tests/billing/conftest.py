import pytest

from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import ClientFactory


@pytest.fixture
def household(tenant):
    return ClientFactory(tenant=tenant, name="Whitaker Residence", email="accounts@whitaker.example")


@pytest.fixture
def invoice(household):
    """INV for 100.00 of membership and 50.00 of labour at 10 % sales tax: 165.00."""
    return issued_invoice(
        household,
        [("plan", "Gold membership, December", "100.00"), ("labour", "Replaced the PoE injector", "50.00")],
        tax_rate_percent="10",
    )


@pytest.fixture
def in_tenant(tenant):
    with tenant_scope(tenant):
        yield tenant
