"""Owners choose whether signers confirm their email with a one-time code, and above which monthly fee."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tenants.roles import Role

pytestmark = pytest.mark.django_db

SETTINGS = {"name": "Harbor AV", "timezone": "America/Chicago", "reply_to_email": "support@harbor-av.example"}


def test_codes_are_asked_above_a_zero_fee_by_default(tenant):
    assert tenant.require_email_code is True
    assert tenant.email_code_above_fee == 0


def test_owners_set_the_code_rule_on_the_company_settings(client, login_as, tenant):
    login_as(tenant, Role.OWNER)
    page = client.get(reverse("tenants:company")).content.decode()
    assert "Ask signers to confirm their email with a one-time code" in page
    response = client.post(
        reverse("tenants:company"), {**SETTINGS, "require_email_code": "on", "email_code_above_fee": "250"}
    )
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.require_email_code, tenant.email_code_above_fee) == (True, Decimal("250.00"))

    client.post(reverse("tenants:company"), {**SETTINGS, "email_code_above_fee": ""})
    tenant.refresh_from_db()
    assert (tenant.require_email_code, tenant.email_code_above_fee) == (False, Decimal("250.00"))


def test_a_negative_threshold_is_refused(client, login_as, tenant):
    login_as(tenant, Role.OWNER)
    response = client.post(reverse("tenants:company"), {**SETTINGS, "email_code_above_fee": "-5"})
    assert response.status_code == 400
