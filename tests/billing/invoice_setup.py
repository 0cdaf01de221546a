"""Issued invoices for tests, made the way the billing run will make them: a draft with its lines, then
``billing.issuing.issue`` (numbered, totals fixed, ``invoice.issued`` recorded)."""

import datetime
import itertools
from decimal import Decimal

from billing.issuing import issue
from billing.models import Invoice, InvoiceLine
from tenants.localtime import tenant_today
from tenants.scope import tenant_scope

_periods = itertools.count()


def issued_invoice(
    client,
    lines=(("plan", "Gold membership", "149.00"),),
    *,
    issued_on=None,
    tax_rate_percent="0",
    period_start=None,
    currency=None,
    due_on=None,
    footer="",
    actor="owner@example.com",
):
    """A labour invoice for ``client`` with ``lines`` — (kind, description, amount) or dicts of
    InvoiceLine fields — issued on ``issued_on`` (today by default). Each invoice gets a period of its
    own (one labour invoice per client and period)."""
    tenant = client.tenant
    with tenant_scope(tenant):
        start = period_start or datetime.date(2020, 1, 1) + datetime.timedelta(days=31 * next(_periods))
        invoice = Invoice.objects.create(
            tenant=tenant,
            client=client,
            kind="labour",
            period_start=start,
            period_end=start + datetime.timedelta(days=30),
            currency=currency or tenant.currency,
            tax_rate_percent=Decimal(tax_rate_percent),
            tax_label="Sales tax",
            bill_to_name=client.name,
            bill_to_email=client.email,
            due_on=due_on,
            footer=footer,
        )
        for position, spec in enumerate(lines):
            fields = (
                spec
                if isinstance(spec, dict)
                else dict(zip(("kind", "description", "amount"), spec, strict=True))
            )
            fields = {**fields, "amount": Decimal(str(fields["amount"]))}
            InvoiceLine.objects.create(tenant=tenant, invoice=invoice, position=position, **fields)
        return issue(invoice, on=issued_on or tenant_today(tenant), actor=actor)
