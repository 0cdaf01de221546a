"""Credit notes: exact reversals of what is left of an invoice's lines, their tax, their gapless series,
voiding, and what happens to money already paid or account credit already used."""

import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import IntegrityError, ProgrammingError

from billing import selectors, services
from billing.models import CreditEntry, CreditNote, Invoice, InvoiceLine
from events.models import OutboxEvent
from tenants.localtime import tenant_today
from tests.billing.invoice_setup import issued_invoice

pytestmark = pytest.mark.django_db


def lines_of(invoice):
    return list(InvoiceLine.objects.filter(invoice=invoice).order_by("position"))


def credit(invoice, lines=None, reason="Visit was covered by the plan"):
    return services.issue_credit_note(invoice, lines=lines, reason=reason, actor="owner")


def test_crediting_everything_voids_the_invoice_with_a_note_that_mirrors_it(invoice, in_tenant):
    note = credit(invoice)
    invoice.refresh_from_db()

    year = tenant_today().year
    assert note.number == f"CN-{year}-000001"
    assert (note.subtotal, note.tax, note.total) == (Decimal("150.00"), Decimal("15.00"), Decimal("165.00"))
    assert [(line.invoice_line_id, line.amount) for line in note.lines.all()] == [
        (line.pk, line.amount) for line in lines_of(invoice)
    ]
    assert (invoice.status, invoice.amount_credited, invoice.balance) == ("void", Decimal("165.00"), 0)
    assert invoice.history.last().kind == "voided"


def test_a_line_credit_takes_back_part_of_the_line_and_its_share_of_tax(invoice, in_tenant):
    membership, labour = lines_of(invoice)
    note = credit(invoice, {labour: Decimal("20.00")})
    invoice.refresh_from_db()

    assert (note.subtotal, note.tax, note.total) == (Decimal("20.00"), Decimal("2.00"), Decimal("22.00"))
    assert (invoice.status, invoice.balance) == ("issued", Decimal("143.00"))
    left = {line.pk: amount for line, amount in selectors.left_to_credit(invoice)}
    assert left == {membership.pk: Decimal("100.00"), labour.pk: Decimal("30.00")}


def test_a_line_cannot_be_credited_for_more_than_is_left_of_it(invoice, in_tenant):
    _, labour = lines_of(invoice)
    credit(invoice, {labour: Decimal("30.00")})

    with pytest.raises(ValidationError, match=r"only \$20.00 is left to credit"):
        credit(invoice, {labour: Decimal("20.01")})
    with pytest.raises(ValidationError, match="the line's sign"):
        credit(invoice, {labour: Decimal("-5.00")})
    with pytest.raises(ValidationError, match="at least one line"):
        credit(invoice, {labour: Decimal("0")})
    assert CreditNote.objects.count() == 1


def test_a_line_of_another_invoice_is_refused(invoice, household, in_tenant):
    other = issued_invoice(household, [("labour", "Call-out", "80.00")])
    with pytest.raises(ValidationError, match="is not a line of"):
        credit(invoice, {lines_of(other)[0]: Decimal("10.00")})


def test_credit_notes_in_pieces_add_up_exactly_to_the_invoice(household, in_tenant):
    """Awkward amounts and rate: each note's tax is rounded on the running total, so the last note
    takes back exactly what is left and nothing is a cent off."""
    invoice = issued_invoice(
        household,
        [("labour", "Visit 1", "33.33"), ("labour", "Visit 2", "33.33"), ("labour", "Visit 3", "33.34")],
        tax_rate_percent="8.875",
    )
    assert (invoice.tax, invoice.total) == (Decimal("8.88"), Decimal("108.88"))
    first, second, third = lines_of(invoice)
    notes = [
        credit(invoice, {first: Decimal("33.33")}),
        credit(invoice, {second: Decimal("11.11"), third: Decimal("0.01")}),
        credit(invoice, {second: Decimal("22.22")}),
        credit(invoice),  # everything left: 33.33 of the third visit
    ]
    invoice.refresh_from_db()

    for note in notes:
        assert note.subtotal == sum(line.amount for line in note.lines.all())
        assert note.total == note.subtotal + note.tax
    assert sum(note.subtotal for note in notes) == invoice.subtotal
    assert sum(note.tax for note in notes) == invoice.tax
    assert sum(note.total for note in notes) == invoice.total
    assert (invoice.status, invoice.amount_credited) == ("void", invoice.total)
    assert [note.tax for note in notes] == [
        Decimal("2.96"),
        Decimal("0.99"),
        Decimal("1.97"),
        Decimal("2.96"),
    ]


def test_credit_notes_are_numbered_without_gaps_even_when_one_is_refused(invoice, household, in_tenant):
    _, labour = lines_of(invoice)
    credit(invoice, {labour: Decimal("10.00")})
    with pytest.raises(ValidationError):  # more than is left: refused, and its number is not used
        credit(invoice, {labour: Decimal("41.00")})
    other = issued_invoice(household, [("labour", "Call-out", "80.00")])
    services.void_invoice(other, reason="Billed twice", actor="owner")
    credit(invoice, {labour: Decimal("5.00")})

    assert list(CreditNote.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2, 3]
    assert CreditNote.objects.get(sequence=3).number.endswith("-000003")


def test_a_credit_note_on_a_paid_invoice_gives_the_paid_part_back_as_account_credit(
    invoice, household, in_tenant
):
    services.record_payment(invoice, Decimal("165.00"), tenant_today(), "card", "", "owner")
    _, labour = lines_of(invoice)
    credit(invoice, {labour: Decimal("50.00")})
    invoice.refresh_from_db()

    assert invoice.status == "paid"
    assert invoice.balance == Decimal("-55.00")  # the client paid 55.00 more than it now owes...
    assert selectors.credit_balance(household) == Decimal("55.00")  # ...which their next invoice uses
    entry = CreditEntry.objects.get(client=household)
    assert (entry.source, entry.amount) == ("billing", Decimal("55.00"))


def test_crediting_the_rest_of_a_partly_paid_invoice_settles_it(invoice, household, in_tenant):
    services.record_payment(invoice, Decimal("110.00"), tenant_today(), "card", "", "owner")
    _, labour = lines_of(invoice)
    credit(invoice, {labour: Decimal("50.00")})  # 55.00 with its tax: exactly what was still due
    invoice.refresh_from_db()

    assert (invoice.status, invoice.balance) == ("paid", Decimal("0.00"))
    assert selectors.credit_balance(household) == Decimal("0.00")
    assert OutboxEvent.objects.filter(name="invoice.paid", payload__invoice_id=invoice.pk).count() == 1


def test_voiding_an_invoice_that_used_account_credit_gives_the_credit_back(household, in_tenant):
    services.grant_credit(
        household, Decimal("25.00"), reason="Referral reward", source="rewards", actor="system"
    )
    invoice = issued_invoice(
        household, [("plan", "Silver membership", "60.00"), ("credit", "Account credit", "-25.00")]
    )
    used = lines_of(invoice)[1]
    CreditEntry.objects.create(  # as the billing run records the credit an invoice uses
        tenant=invoice.tenant,
        client=household,
        amount=Decimal("-25.00"),
        reason=f"Used on {invoice.number}",
        source="billing",
        granted_on=tenant_today(),
        invoice_line=used,
    )
    assert selectors.credit_balance(household) == Decimal("0.00")

    note = services.void_invoice(invoice, reason="Plan cancelled before it started", actor="owner")

    assert note.total == Decimal("35.00")
    assert sorted(line.amount for line in note.lines.all()) == [Decimal("-25.00"), Decimal("60.00")]
    assert selectors.credit_balance(household) == Decimal("25.00")


def test_void_needs_a_reason_and_an_issued_invoice(invoice, in_tenant):
    with pytest.raises(ValidationError, match="Say why"):
        services.void_invoice(invoice, reason="  ", actor="owner")
    services.void_invoice(invoice, reason="Sent to the wrong client", actor="owner")
    with pytest.raises(ValidationError, match="is void"):
        services.void_invoice(invoice, reason="Again", actor="owner")


def test_payments_and_credit_notes_move_only_the_status_and_running_totals(invoice, in_tenant):
    frozen = [f.attname for f in Invoice._meta.concrete_fields if f.attname not in
              ("status", "amount_paid", "amount_credited", "updated_at")]  # fmt: skip
    before = Invoice.objects.values(*frozen).get(pk=invoice.pk)
    lines_before = list(InvoiceLine.objects.filter(invoice=invoice).values())

    services.record_payment(invoice, Decimal("15.00"), tenant_today(), "cash", "", "owner")
    credit(invoice, {lines_of(invoice)[1]: Decimal("10.00")})
    services.void_invoice(invoice, reason="Replaced", actor="owner")

    assert Invoice.objects.values(*frozen).get(pk=invoice.pk) == before
    assert list(InvoiceLine.objects.filter(invoice=invoice).values()) == lines_before


def test_the_database_still_refuses_any_other_change_to_an_issued_invoice_or_a_credit_note(
    invoice, in_tenant
):
    note = credit(invoice, {lines_of(invoice)[0]: Decimal("1.00")})
    for statement, values, refusal in [
        ("UPDATE billing_invoice SET total = 1 WHERE id = %s", [invoice.pk], IntegrityError),  # its guard
        ("UPDATE billing_invoiceline SET amount = 1 WHERE invoice_id = %s", [invoice.pk], IntegrityError),
        # a credit note is never granted UPDATE (tenants/grants.py), before its guard is even asked
        ("UPDATE billing_creditnote SET total = 1 WHERE id = %s", [note.pk], ProgrammingError),
    ]:
        with pytest.raises(refusal), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, values)


def test_account_credit_is_granted_in_cents_with_a_reason(household, in_tenant):
    entry = services.grant_credit(
        household, "12.50", reason="Referral: the Nakamuras", source="rewards", actor="x"
    )
    assert (entry.amount, entry.granted_on) == (Decimal("12.50"), tenant_today())
    for amount, reason in itertools.product(["0", "-1", "1.001", "abc"], ["ok"]):
        with pytest.raises(ValidationError):
            services.grant_credit(household, amount, reason=reason, source="rewards", actor="x")
    with pytest.raises(ValidationError, match="Say why"):
        services.grant_credit(household, "5", reason="", source="rewards", actor="x")
    assert selectors.credit_balance(household) == Decimal("12.50")
