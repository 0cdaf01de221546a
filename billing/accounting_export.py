"""The accounting export: invoices, credit notes and payments of a period as CSV rows, in Accord's own
layout or in the import layouts of QuickBooks Online and Xero.

What each file holds, and why:
- A period is whole days in the tenant's calendar, both ends included (the caller resolves it). Invoices
  and credit notes belong to the day they were issued, payments to the day they were received.
- Drafts are left out (not in the books yet). A voided invoice is exported like any issued invoice,
  marked ``void`` in Accord's layout: it keeps its number, so the series has no gap, and the credit note
  that voided it (in the period it was issued in) cancels it in the books, as it did in Accord.
- One row per line (Accord's layout repeats the document's columns on each row). Tax is charged per
  document, so each line's share is the document's tax spread over its taxable lines in proportion to
  their amounts, rounded so the shares add up to the document's tax to the cent.
- Money is a plain decimal with two places, no currency sign, the minus sign for negative amounts.
  Credit note amounts are positive, as both tools expect (the document type says it is a credit).
- Text that came from people (names, descriptions, references) and starts like a spreadsheet formula
  gets a leading apostrophe; numbers and dates we write are never touched.

QuickBooks Online and Xero have no CSV import of received payments: for them the payments file is in
Accord's layout (see ``DOCUMENTS``), and the page says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from billing.issuing import CENT
from billing.models import BillingSettings, CreditNote, Invoice, InvoiceLine, LineKind, Payment
from billing.selectors import (
    credit_notes_issued_between,
    invoices_issued_between,
    last_day,
    payments_received_between,
)

ACCORD, QUICKBOOKS, XERO = "accord", "quickbooks", "xero"
FORMATS = {ACCORD: "Accord (documented below)", QUICKBOOKS: "QuickBooks Online", XERO: "Xero"}
INVOICES, CREDIT_NOTES, PAYMENTS = "invoices", "credit_notes", "payments"
DOCUMENTS = {INVOICES: "Invoices", CREDIT_NOTES: "Credit notes", PAYMENTS: "Payments"}
DAY_FIRST, MONTH_FIRST = "day_first", "month_first"
DATE_ORDERS = {DAY_FIRST: "DD/MM/YYYY", MONTH_FIRST: "MM/DD/YYYY"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_STREAM_CHUNK = 500
ZERO = Decimal("0.00")


def default_date_order(country: str) -> str:
    """The order a tenant's accounting tool most likely reads dates in: the US writes the month first."""
    return MONTH_FIRST if (country or "").upper() in {"US", "PH", "FM", "MH", "PW"} else DAY_FIRST


def text(value) -> str:
    """A cell of text someone typed: a client named "=HYPERLINK(…)" must stay text in a spreadsheet."""
    value = "" if value is None else str(value)
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def money(value: Decimal) -> str:
    return f"{value.quantize(CENT)}"


def spread(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` shared out in proportion to ``weights``, in cents that add up to ``total`` exactly (the
    cents left after rounding down go to the largest remainders, earliest first on a tie)."""
    weight = sum(weights, ZERO)
    if not weights or total == 0 or weight == 0:
        return [ZERO for _ in weights]
    exact = [total * w / weight for w in weights]
    shares = [share.quantize(CENT, rounding=ROUND_FLOOR) for share in exact]
    left = int((total - sum(shares, ZERO)) / CENT)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[:left]:
        shares[i] += CENT
    return shares


def line_taxes(tax: Decimal, amounts: list[Decimal], taxable: list[bool]) -> list[Decimal]:
    """Each line's share of a document's ``tax``: spread over the taxable lines by amount."""
    chosen = [i for i, is_taxable in enumerate(taxable) if is_taxable]
    shares = spread(tax, [amounts[i] for i in chosen])
    taxes = [ZERO] * len(amounts)
    for i, share in zip(chosen, shares, strict=True):
        taxes[i] = share
    return taxes


def quantity_and_price(line: InvoiceLine) -> tuple[Decimal, Decimal]:
    """The line's quantity and unit price when they multiply to its amount, else 1 × the amount (a line
    whose rate carried a multiplier or rounding), so an importer that recomputes the amount gets ours."""
    if line.quantity and (line.quantity * line.unit_price).quantize(CENT) == line.amount:
        return line.quantity, line.unit_price
    return Decimal("1"), line.amount


@dataclass(frozen=True)
class Options:
    """What the export reads besides the documents: the tenant's codes and the date order."""

    settings: BillingSettings
    date_order: str = DAY_FIRST

    def day(self, value: date | None) -> str:
        if value is None:
            return ""
        return value.strftime("%d/%m/%Y" if self.date_order == DAY_FIRST else "%m/%d/%Y")

    def account_code(self, kind: str) -> str:
        if kind in (LineKind.LABOUR, LineKind.ADJUSTMENT):
            return self.settings.labour_account_code
        return self.settings.membership_account_code

    def xero_tax_type(self, taxable: bool) -> str:
        return self.settings.xero_tax_type if taxable else self.settings.xero_exempt_tax_type

    def qbo_tax_code(self, taxable: bool) -> str:
        return self.settings.qbo_tax_code if taxable else self.settings.qbo_exempt_tax_code


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _contact(invoice: Invoice) -> str:
    return invoice.bill_to_name or invoice.client.name


def _item(kind: str) -> str:
    """The QuickBooks product/service a line is booked as: the kind of line (Membership, Labour…)."""
    return LineKind(kind).label if kind in LineKind.values else kind


# --- Accord's layout ---------------------------------------------------------------------------------

ACCORD_INVOICE_COLUMNS = [
    ("invoice_number", "The invoice's number (gapless series per company)."),
    ("status", "issued, partly_paid, paid, disputed or void (as of the moment the file was made)."),
    ("kind", "subscription (a membership period) or labour (labour and adjustments)."),
    ("issued_on", "Issue date, YYYY-MM-DD."),
    ("due_on", "Due date, YYYY-MM-DD."),
    ("client_id", "Accord's id of the client."),
    ("client_name", "Who the invoice was addressed to."),
    ("bill_to_email", "Where it was sent."),
    ("period_first_day", "First day the invoice covers."),
    ("period_last_day", "Last day it covers (included)."),
    ("currency", "ISO 4217 code."),
    ("invoice_subtotal", "Sum of the lines, before tax."),
    ("tax_label", "The tax's name on the invoice."),
    ("tax_rate_percent", "The rate applied to taxable lines."),
    ("invoice_tax", "The invoice's tax."),
    ("invoice_total", "Subtotal plus tax."),
    ("amount_paid", "Paid so far (as of the moment the file was made)."),
    ("amount_credited", "Credited so far by credit notes (same)."),
    ("balance", "Left to pay (same)."),
    ("line_position", "Order of the line on the invoice, from 1."),
    ("line_kind", "plan, rider, proration, labour, credit (account credit used) or adjustment."),
    ("line_description", "As printed on the invoice."),
    ("line_detail", "Why: the ticket, the rate, the rule."),
    ("line_first_day", "First day the line covers, if it covers a period."),
    ("line_last_day", "Last day it covers (included)."),
    ("quantity", "Hours or units."),
    ("unit_price", "Price of one unit, before tax."),
    ("line_amount", "The line's amount before tax (negative for account credit used)."),
    ("line_taxable", "yes or no."),
    ("line_tax", "The line's share of the invoice's tax."),
]
ACCORD_CREDIT_NOTE_COLUMNS = [
    ("credit_note_number", "The credit note's number (its own gapless series)."),
    ("issued_on", "Issue date, YYYY-MM-DD."),
    ("invoice_number", "The invoice it credits."),
    ("client_id", "Accord's id of the client."),
    ("client_name", "Who the invoice was addressed to."),
    ("currency", "ISO 4217 code."),
    ("reason", "Why it was issued, as the client reads it."),
    ("credit_note_subtotal", "Sum of its lines, before tax."),
    ("credit_note_tax", "Tax given back."),
    ("credit_note_total", "Subtotal plus tax."),
    ("line_description", "The invoice line it reverses."),
    ("line_kind", "That line's kind."),
    ("line_taxable", "yes or no."),
    ("line_amount", "Amount reversed, before tax (positive)."),
    ("line_tax", "The line's share of the credit note's tax."),
]
ACCORD_PAYMENT_COLUMNS = [
    ("paid_on", "Day the money was received, YYYY-MM-DD."),
    ("invoice_number", "The invoice it pays."),
    ("client_id", "Accord's id of the client."),
    ("client_name", "Who the invoice was addressed to."),
    ("currency", "ISO 4217 code."),
    ("amount", "Amount received."),
    ("method", "bank_transfer, card, check, cash, direct_debit or other."),
    ("reference", "Bank reference, check number or card receipt."),
    ("recorded_by", "Who recorded it in Accord."),
]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def accord_invoice_rows(invoice: Invoice, lines: list[InvoiceLine], options: Options) -> Iterator[list]:
    taxes = line_taxes(invoice.tax, [line.amount for line in lines], [line.taxable for line in lines])
    head = [
        invoice.number,
        invoice.status,
        invoice.kind,
        _iso(invoice.issued_on),
        _iso(invoice.due_on),
        invoice.client_id,
        text(_contact(invoice)),
        text(invoice.bill_to_email),
        _iso(invoice.period_start),
        _iso(last_day(invoice)),
        invoice.currency,
        money(invoice.subtotal),
        text(invoice.tax_label),
        f"{invoice.tax_rate_percent.normalize():f}",
        money(invoice.tax),
        money(invoice.total),
        money(invoice.amount_paid),
        money(invoice.amount_credited),
        money(invoice.balance),
    ]
    for position, (line, tax) in enumerate(zip(lines, taxes, strict=True), start=1):
        yield [
            *head,
            position,
            line.kind,
            text(line.description),
            text(line.detail),
            _iso(line.period_start),
            _iso(last_day(line)),
            f"{line.quantity.normalize():f}",
            money(line.unit_price),
            money(line.amount),
            _yes(line.taxable),
            money(tax),
        ]


def _credit_note_lines(note: CreditNote):
    lines = list(note.lines.all())
    amounts = [line.amount for line in lines]
    taxes = line_taxes(note.tax, amounts, [line.invoice_line.taxable for line in lines])
    return zip(lines, taxes, strict=True)


def accord_credit_note_rows(note: CreditNote, options: Options) -> Iterator[list]:
    invoice = note.invoice
    for line, tax in _credit_note_lines(note):
        yield [
            note.number,
            _iso(note.issued_on),
            invoice.number,
            invoice.client_id,
            text(_contact(invoice)),
            invoice.currency,
            text(note.reason),
            money(note.subtotal),
            money(note.tax),
            money(note.total),
            text(line.description),
            line.invoice_line.kind,
            _yes(line.invoice_line.taxable),
            money(line.amount),
            money(tax),
        ]


def accord_payment_rows(payment: Payment, options: Options) -> Iterator[list]:
    invoice = payment.invoice
    yield [
        _iso(payment.paid_on),
        invoice.number,
        invoice.client_id,
        text(_contact(invoice)),
        invoice.currency,
        money(payment.amount),
        payment.method,
        text(payment.reference),
        text(payment.actor),
    ]


# --- QuickBooks Online --------------------------------------------------------------------------------
# The columns of QuickBooks Online's invoice import (Settings → Import data → Invoices), named as in its
# sample file so the mapping step matches them by itself. Credit notes follow its credit note import
# (Import data → Credit notes, offered outside the US edition; the US edition imports no credit memos).

QBO_INVOICE_COLUMNS = [
    ("InvoiceNo", "Accord's invoice number (turn on custom transaction numbers in QuickBooks)."),
    ("Customer", "The client, as the invoice was addressed."),
    ("InvoiceDate", "Issue date, in the date order chosen above."),
    ("DueDate", "Due date."),
    ("Terms", "Left empty: the due date is given."),
    ("Location", "Left empty."),
    ("Memo", "The period the invoice covers; “Voided by …” for a voided invoice."),
    (
        "Item(Product/Service)",
        "The kind of line: Membership, Rider, Proration, Labour, Account credit, Adjustment.",
    ),
    ("ItemDescription", "The line as printed."),
    ("ItemQuantity", "Hours or units."),
    ("ItemRate", "Price of one unit, before tax."),
    ("ItemAmount", "The line's amount before tax."),
    ("ItemTaxCode", "From billing settings: the taxable or the untaxed code."),
    ("ItemTaxAmount", "The line's share of the invoice's tax."),
    ("Currency", "ISO 4217 code."),
    ("Service Date", "First day the line covers, if any."),
]
QBO_CREDIT_NOTE_COLUMNS = [
    ("CreditNoteNo", "Accord's credit note number."),
    ("Customer", "The client."),
    ("CreditNoteDate", "Issue date."),
    ("Memo", "“Credits INV-…”: the invoice, then the reason."),
    ("Item(Product/Service)", "The kind of the invoice line reversed."),
    ("ItemDescription", "That line's description."),
    ("ItemQuantity", "1."),
    ("ItemRate", "The amount reversed."),
    ("ItemAmount", "The amount reversed, before tax (positive)."),
    ("ItemTaxCode", "From billing settings."),
    ("ItemTaxAmount", "The line's share of the credit note's tax."),
    ("Currency", "ISO 4217 code."),
]


def _voided_memo(invoice: Invoice, period: str) -> str:
    return f"{period} (voided by credit note)" if invoice.status == "void" else period


def _period(invoice: Invoice) -> str:
    return f"Period {_iso(invoice.period_start)} to {_iso(last_day(invoice))}"


def qbo_invoice_rows(invoice: Invoice, lines: list[InvoiceLine], options: Options) -> Iterator[list]:
    taxes = line_taxes(invoice.tax, [line.amount for line in lines], [line.taxable for line in lines])
    for line, tax in zip(lines, taxes, strict=True):
        quantity, price = quantity_and_price(line)
        yield [
            invoice.number,
            text(_contact(invoice)),
            options.day(invoice.issued_on),
            options.day(invoice.due_on),
            "",
            "",
            _voided_memo(invoice, _period(invoice)),
            _item(line.kind),
            text(line.description),
            f"{quantity.normalize():f}",
            money(price),
            money(line.amount),
            text(options.qbo_tax_code(line.taxable)),
            money(tax),
            invoice.currency,
            options.day(line.period_start),
        ]


def qbo_credit_note_rows(note: CreditNote, options: Options) -> Iterator[list]:
    invoice = note.invoice
    for line, tax in _credit_note_lines(note):
        yield [
            note.number,
            text(_contact(invoice)),
            options.day(note.issued_on),
            text(f"Credits {invoice.number}: {note.reason}"),
            _item(line.invoice_line.kind),
            text(line.description),
            "1",
            money(line.amount),
            money(line.amount),
            text(options.qbo_tax_code(line.invoice_line.taxable)),
            money(tax),
            invoice.currency,
        ]


# --- Xero ---------------------------------------------------------------------------------------------
# The columns of Xero's sales invoice import template and of its credit note template (Business →
# Invoices → Import; Credit notes → Import), in their order, the required ones starred as Xero stars them.
# Import the files with "amounts are tax exclusive": UnitAmount is before tax and TaxAmount is ours.

_XERO_ADDRESS = [
    "POAddressLine1",
    "POAddressLine2",
    "POAddressLine3",
    "POAddressLine4",
    "POCity",
    "PORegion",
    "POPostalCode",
    "POCountry",
]
_XERO_LINE = [
    "InventoryItemCode",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "Discount",
    "*AccountCode",
    "*TaxType",
    "TaxAmount",
    "TrackingName1",
    "TrackingOption1",
    "TrackingName2",
    "TrackingOption2",
    "Currency",
    "BrandingTheme",
]
_XERO_NOTES = {
    "*ContactName": "The client, as the invoice was addressed.",
    "EmailAddress": "Where the invoice was sent.",
    "*InvoiceNumber": "Accord's invoice number.",
    "*CreditNoteNumber": "Accord's credit note number.",
    "Reference": "Invoices: the period they cover. Credit notes: the invoice they credit.",
    "*InvoiceDate": "Issue date, in the date order chosen above.",
    "*CreditNoteDate": "Issue date.",
    "*DueDate": "Due date.",
    "*Description": "The line as printed.",
    "*Quantity": "Hours or units (1 for a credit note line).",
    "*UnitAmount": "Price of one unit, before tax.",
    "*AccountCode": "From billing settings: memberships or labour.",
    "*TaxType": "From billing settings: the taxable or the untaxed tax rate.",
    "TaxAmount": "The line's share of the document's tax.",
    "Currency": "ISO 4217 code.",
}
XERO_INVOICE_COLUMNS = [
    (name, _XERO_NOTES.get(name, "Left empty."))
    for name in [
        "*ContactName",
        "EmailAddress",
        *_XERO_ADDRESS,
        "*InvoiceNumber",
        "Reference",
        "*InvoiceDate",
        "*DueDate",
        *_XERO_LINE,
    ]
]
XERO_CREDIT_NOTE_COLUMNS = [
    (name, _XERO_NOTES.get(name, "Left empty."))
    for name in [
        "*ContactName",
        "EmailAddress",
        *_XERO_ADDRESS,
        "*CreditNoteNumber",
        "Reference",
        "*CreditNoteDate",
        *_XERO_LINE,
    ]
]
_NO_ADDRESS = [""] * len(_XERO_ADDRESS)


def xero_invoice_rows(invoice: Invoice, lines: list[InvoiceLine], options: Options) -> Iterator[list]:
    taxes = line_taxes(invoice.tax, [line.amount for line in lines], [line.taxable for line in lines])
    for line, tax in zip(lines, taxes, strict=True):
        quantity, price = quantity_and_price(line)
        yield [
            text(_contact(invoice)),
            text(invoice.bill_to_email),
            *_NO_ADDRESS,
            invoice.number,
            _voided_memo(invoice, _period(invoice)),
            options.day(invoice.issued_on),
            options.day(invoice.due_on),
            "",
            text(line.description),
            f"{quantity.normalize():f}",
            money(price),
            "",
            text(options.account_code(line.kind)),
            text(options.xero_tax_type(line.taxable)),
            money(tax),
            "",
            "",
            "",
            "",
            invoice.currency,
            "",
        ]


def xero_credit_note_rows(note: CreditNote, options: Options) -> Iterator[list]:
    invoice = note.invoice
    for line, tax in _credit_note_lines(note):
        kind, taxable = line.invoice_line.kind, line.invoice_line.taxable
        yield [
            text(_contact(invoice)),
            text(invoice.bill_to_email),
            *_NO_ADDRESS,
            note.number,
            invoice.number,
            options.day(note.issued_on),
            "",
            text(line.description),
            "1",
            money(line.amount),
            "",
            text(options.account_code(kind)),
            text(options.xero_tax_type(taxable)),
            money(tax),
            "",
            "",
            "",
            "",
            invoice.currency,
            "",
        ]


# --- Putting it together -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One file of a format: its columns (name, what it holds) and how a period becomes rows."""

    columns: list[tuple[str, str]]
    rows: Callable[[date, date, Options], Iterator[list]]
    layout: str  # the format whose layout the file is in (payments: Accord's, for every format)

    @property
    def header(self) -> list[str]:
        return [name for name, _ in self.columns]


def _invoices(row_maker):
    def rows(start: date, end: date, options: Options) -> Iterator[list]:
        for invoice in invoices_issued_between(start, end).iterator(chunk_size=_STREAM_CHUNK):
            yield from row_maker(invoice, list(invoice.lines.all()), options)

    return rows


def _credit_notes(row_maker):
    def rows(start: date, end: date, options: Options) -> Iterator[list]:
        for note in credit_notes_issued_between(start, end).iterator(chunk_size=_STREAM_CHUNK):
            yield from row_maker(note, options)

    return rows


def _payments(start: date, end: date, options: Options) -> Iterator[list]:
    for payment in payments_received_between(start, end).iterator(chunk_size=_STREAM_CHUNK):
        yield from accord_payment_rows(payment, options)


_ACCORD_PAYMENTS = Document(ACCORD_PAYMENT_COLUMNS, _payments, ACCORD)
LAYOUTS: dict[str, dict[str, Document]] = {
    ACCORD: {
        INVOICES: Document(ACCORD_INVOICE_COLUMNS, _invoices(accord_invoice_rows), ACCORD),
        CREDIT_NOTES: Document(ACCORD_CREDIT_NOTE_COLUMNS, _credit_notes(accord_credit_note_rows), ACCORD),
        PAYMENTS: _ACCORD_PAYMENTS,
    },
    QUICKBOOKS: {
        INVOICES: Document(QBO_INVOICE_COLUMNS, _invoices(qbo_invoice_rows), QUICKBOOKS),
        CREDIT_NOTES: Document(QBO_CREDIT_NOTE_COLUMNS, _credit_notes(qbo_credit_note_rows), QUICKBOOKS),
        PAYMENTS: _ACCORD_PAYMENTS,
    },
    XERO: {
        INVOICES: Document(XERO_INVOICE_COLUMNS, _invoices(xero_invoice_rows), XERO),
        CREDIT_NOTES: Document(XERO_CREDIT_NOTE_COLUMNS, _credit_notes(xero_credit_note_rows), XERO),
        PAYMENTS: _ACCORD_PAYMENTS,
    },
}


def document(export_format: str, kind: str) -> Document:
    return LAYOUTS[export_format][kind]


def filename(export_format: str, kind: str, start: date, end: date) -> str:
    return f"{kind.replace('_', '-')}_{export_format}_{start:%Y-%m-%d}_{end:%Y-%m-%d}.csv"
