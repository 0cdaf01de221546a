"""Portal pages of an account link: the client's invoices, one invoice, and its PDF.

Each page runs through ``account_page`` (the link's tenant scope; a link of another purpose, or an
invoice that is not the link's client's, gets a page with the way back). The client always comes from
the link; an invoice id in the URL is looked up among that client's issued invoices only, so another
client's or tenant's invoice, or a draft, is a 404.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from billing import selectors
from billing.models import Invoice
from billing.pdf import invoice_pdf, pdf_filename
from portal.access import account_context, account_page
from portal.models import PortalLink
from tenants.localtime import tenant_today

INVOICES_SHOWN = 100


def _client_invoice(link: PortalLink, pk: int) -> Invoice:
    try:
        return selectors.client_invoice(link.contact.client, pk)
    except Invoice.DoesNotExist:
        raise Http404("No such invoice for this client.") from None


@require_http_methods(["GET", "HEAD"])
@account_page
def invoice_list(request, link: PortalLink):
    """The client's invoices, newest first, with what is still to pay on top."""
    today = tenant_today()
    client = link.contact.client
    invoices = list(selectors.client_invoices(client)[:INVOICES_SHOWN])
    for invoice in invoices:
        invoice.standing = selectors.standing(invoice, today)
        invoice.is_open = invoice.standing in selectors.TO_PAY
    to_pay = [invoice for invoice in invoices if invoice.is_open]
    context = account_context(
        request, link, invoices=invoices, to_pay=to_pay,
        totals=selectors.invoice_totals(selectors.client_invoices(client), today=today),
        currency=invoices[0].currency if invoices else link.tenant.currency,
        credit=selectors.credit_balance(client),
    )  # fmt: skip
    return render(request, "portal/invoices/list.html", context)


@require_http_methods(["GET", "HEAD"])
@account_page
def invoice_detail(request, link: PortalLink, pk: int):
    invoice = _client_invoice(link, pk)
    context = account_context(request, link, invoice=invoice, detail=selectors.invoice_detail(invoice))
    return render(request, "portal/invoices/detail.html", context)


@require_http_methods(["GET", "HEAD"])
@account_page
def invoice_download(request, link: PortalLink, pk: int):
    invoice = _client_invoice(link, pk)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(invoice)}"'
    return response
