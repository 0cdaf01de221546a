"""Invoices marked disputed before disputes had their own record become open disputes (billing 0006),
with the reason, who and when of their latest "disputed" history row; backwards, the disputes go."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from billing.issuing import history
from billing.models import Dispute, Invoice
from billing.services import save_movement

pytestmark = pytest.mark.django_db
migration = importlib.import_module("billing.migrations.0006_disputed_invoices_become_disputes")


class SchemaEditor:
    def execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def marked_the_old_way(invoice, reason, *, at):
    invoice.status = "disputed"
    save_movement(invoice)
    history(invoice, "disputed", f"Disputed: {reason}", actor="owner@example.com", at=at)


def test_an_invoice_marked_disputed_becomes_an_open_dispute_and_back(invoice, household, in_tenant):
    at = timezone.now() - timedelta(days=3)
    marked_the_old_way(invoice, "Says the visit was covered", at=at)

    migration.forward(apps, SchemaEditor())

    dispute = Dispute.objects.get(invoice=invoice)
    assert (dispute.status, dispute.opened_by, dispute.reason, dispute.actor) == (
        "open",
        "staff",
        "Says the visit was covered",
        "owner@example.com",
    )
    assert (dispute.opened_at, dispute.amount, dispute.amount_at_stake) == (at, None, Decimal("165.00"))
    assert [m.body for m in dispute.messages.all()] == ["Says the visit was covered"]

    migration.backward(apps, SchemaEditor())
    assert not Dispute.objects.exists()
    assert Invoice.objects.get(pk=invoice.pk).status == "disputed"
