"""Invoices and credit notes as PDF (WeasyPrint), for the staff pages, the portal, the email and the API.

An invoice's PDF is its issued content (which never changes) plus where it stands on the day it is
rendered: payments received, credit notes and the balance. So it is rendered when asked for, not stored;
two renderings on different days may differ in that part only. A credit note never changes at all.
The company's logo heads the first page (its name as a wordmark when it has none), in its brand's ink
(tenants.branding).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.template.loader import render_to_string

from billing import selectors
from billing.models import CreditNote, Invoice
from tenants import branding
from tenants.localtime import tenant_today

# Print styles live here rather than in a template (as portal/pdf.py): WeasyPrint reads them directly.
PDF_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm 22mm;
  @bottom-left { content: element(document-ref); }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #555; }
}
html { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 9.5pt; line-height: 1.4;
       color: #111; }
.document-ref { position: running(document-ref); font-size: 8pt; color: #555; }
.layout { width: 100%; border-collapse: collapse; }
.layout td { vertical-align: top; padding: 0; }
.masthead { margin-bottom: 9mm; }
.wordmark { font-size: 17pt; font-weight: bold; color: #1f4e79; letter-spacing: 0.02em; }
.title { text-align: right; }
.title h1 { font-size: 18pt; margin: 0; color: #1f4e79; text-transform: uppercase; letter-spacing: 0.06em; }
.title .number { font-size: 11pt; font-weight: bold; margin: 1mm 0 0; }
.stamp { display: inline-block; margin-top: 2mm; padding: 0.8mm 3mm; border: 1.2pt solid; font-weight: bold;
         text-transform: uppercase; letter-spacing: 0.08em; font-size: 9pt; }
.stamp-paid { color: #146c2e; }
.stamp-void, .stamp-overdue { color: #8a1f1f; }
.stamp-disputed, .stamp-partly_paid, .stamp-due { color: #6b4e00; }
.parties { margin-bottom: 7mm; }
.parties td { width: 50%; padding-right: 8mm; }
.label { font-size: 7.5pt; text-transform: uppercase; letter-spacing: 0.08em; color: #555; margin: 0 0 1mm;
         font-weight: bold; }
.parties p { margin: 0; }
.facts { border-collapse: collapse; margin-left: auto; }
.facts th { text-align: left; font-weight: normal; color: #555; padding: 0.6mm 4mm 0.6mm 0; }
.facts td { text-align: right; padding: 0.6mm 0; white-space: nowrap; }
table.lines { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; }
table.lines th { text-align: left; border-bottom: 1pt solid #1f4e79; padding: 1.5mm 2mm; font-size: 8pt;
                 text-transform: uppercase; letter-spacing: 0.04em; color: #1f4e79; }
table.lines td { border-bottom: 0.5pt solid #ccc; padding: 2mm; vertical-align: top; }
table.lines tr { break-inside: avoid; }
table.lines th.num, table.ledger th.num, .num { text-align: right; white-space: nowrap; }
.why { color: #444; font-size: 8.5pt; margin-top: 0.5mm; }
.muted { color: #555; }
table.totals { border-collapse: collapse; margin-left: auto; min-width: 75mm; break-inside: avoid; }
table.totals th { text-align: left; font-weight: normal; padding: 1mm 6mm 1mm 0; }
table.totals td { text-align: right; padding: 1mm 0; white-space: nowrap; }
table.totals .grand th, table.totals .grand td { font-weight: bold; border-top: 1pt solid #111;
                                                 padding-top: 1.5mm; }
table.totals .balance th, table.totals .balance td { font-weight: bold; font-size: 11pt; color: #1f4e79; }
h2 { font-size: 10.5pt; margin: 7mm 0 2mm; color: #1f4e79; break-after: avoid; }
table.ledger { border-collapse: collapse; width: 100%; break-inside: avoid; }
table.ledger th { text-align: left; font-size: 8pt; color: #555; border-bottom: 0.5pt solid #999;
                  padding: 1mm 2mm; }
table.ledger td { border-bottom: 0.5pt solid #ddd; padding: 1.2mm 2mm; }
.footer { margin-top: 9mm; padding-top: 3mm; border-top: 0.5pt solid #999; white-space: pre-line;
          font-size: 8.5pt; color: #333; break-inside: avoid; }
.reason { margin: 0 0 5mm; padding: 2mm 3mm; background: #f4f6f9; border-left: 2pt solid #1f4e79; }
"""

_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _render(template: str, context: dict) -> bytes:
    import weasyprint

    tenant = context["tenant"]
    html = render_to_string(template, {**branding.pdf_context(tenant), **context})
    document = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR / "static"))
    return document.write_pdf(
        stylesheets=[weasyprint.CSS(string=PDF_CSS), weasyprint.CSS(string=branding.pdf_css(tenant))]
    )


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF: what was issued, then payments, credit notes and the balance as of today.
    Call inside the invoice's tenant; a draft has no PDF (it has no number yet)."""
    if invoice.is_draft:
        raise ValueError("A draft invoice has no PDF: issue it first.")
    detail = selectors.invoice_detail(invoice)
    context = {
        "invoice": invoice,
        "tenant": invoice.tenant,
        "client": invoice.client,
        "detail": detail,
        "as_of": tenant_today(invoice.tenant),
    }
    return _render("billing/pdf/invoice.html", context)


def credit_note_pdf(note: CreditNote) -> bytes:
    """The credit note as PDF: which invoice it corrects, why, the lines it reverses and its totals."""
    invoice = note.invoice
    context = {"note": note, "invoice": invoice, "tenant": invoice.tenant, "client": invoice.client,
               "lines": list(note.lines.select_related("invoice_line"))}  # fmt: skip
    return _render("billing/pdf/credit_note.html", context)


def pdf_filename(document: Invoice | CreditNote) -> str:
    """``INV-2026-000123 Whitaker Residence.pdf``, without characters a file system or mail client refuses."""
    client = document.client if isinstance(document, Invoice) else document.invoice.client
    name = f"{document.number} {client.name}"
    return " ".join(_UNSAFE_FILENAME.sub(" ", name).split())[:150] + ".pdf"
