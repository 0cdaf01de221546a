"""Portal pages of an account link: the client's invoices, one invoice and its PDF, and disputing an
invoice or one of its lines (then answering, accepting an explanation or withdrawing, on the invoice's
page, where the dispute's thread is).

Each page runs through ``account_page`` (the link's tenant scope; a link of another purpose, or an
invoice that is not the link's client's, gets a page with the way back). The client always comes from
the link; an invoice id in the URL is looked up among that client's issued invoices only, so another
client's or tenant's invoice, or a draft, is a 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.actors import actor_label
from billing import disputes, selectors
from billing.models import DisputeParty, Invoice
from billing.pdf import invoice_pdf, pdf_filename
from portal.access import account_context, account_page
from portal.forms import DisputeForm, DisputeReplyForm, DisputeWithdrawForm
from portal.models import PortalLink
from tenants.forms import add_service_errors
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
        request,
        link,
        invoices=invoices,
        to_pay=to_pay,
        totals=selectors.invoice_totals(selectors.client_invoices(client), today=today),
        currency=invoices[0].currency if invoices else link.tenant.currency,
        credit=selectors.credit_balance(client),
    )
    return render(request, "portal/invoices/list.html", context)


def _invoice_page(request, link, invoice, *, reply_form=None, withdraw_form=None, problem="", status=200):
    detail = selectors.invoice_detail(invoice)
    dispute = detail.latest_dispute
    context = account_context(
        request,
        link,
        invoice=invoice,
        detail=detail,
        dispute=dispute,
        thread=list(dispute.messages.all()) if dispute else [],
        reply_form=reply_form or DisputeReplyForm(),
        withdraw_form=withdraw_form or DisputeWithdrawForm(),
        just_disputed=request.GET.get("disputed") == "1",
        problem=problem,
    )
    return render(request, "portal/invoices/detail.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
@account_page
def invoice_detail(request, link: PortalLink, pk: int):
    return _invoice_page(request, link, _client_invoice(link, pk))


@require_http_methods(["GET", "HEAD"])
@account_page
def invoice_download(request, link: PortalLink, pk: int):
    invoice = _client_invoice(link, pk)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(invoice)}"'
    return response


# --- Disputes ---------------------------------------------------------------------------------------


def _invoice_url(request, pk: int, anchor: str = "dispute") -> str:
    return f"{reverse('portal:invoice', kwargs={'token': request.portal_token, 'pk': pk})}#{anchor}"


def _open_dispute(detail):
    dispute = detail.open_dispute
    if dispute is None:
        raise Http404("This invoice has no open dispute.")
    return dispute


@require_http_methods(["GET", "HEAD", "POST"])
@account_page
def dispute_new(request, link: PortalLink, pk: int):
    """Dispute the invoice, or one line of it (``?line=<id>``): what is wrong and, if they like, how much."""
    invoice = _client_invoice(link, pk)
    detail = selectors.invoice_detail(invoice)
    if not detail.can_dispute:  # already disputed, or void: the invoice's page says where it stands
        return redirect(_invoice_url(request, invoice.pk))
    line_id = request.POST.get("line") or request.GET.get("line") or ""
    line = next((view for view in detail.lines if str(view.line.pk) == line_id and view.left > 0), None)
    if line_id and line is None:
        raise Http404("No such line to dispute on this invoice.")
    form = DisputeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                disputes.open_dispute(
                    invoice,
                    reason=form.cleaned_data["reason"],
                    amount=form.cleaned_data["amount"] or None,
                    line=line.line if line else None,
                    party=DisputeParty.CLIENT,
                    contact=link.contact,
                    actor=actor_label(contact=link.contact),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                url = reverse("portal:invoice", kwargs={"token": request.portal_token, "pk": invoice.pk})
                return redirect(f"{url}?disputed=1#dispute")
        status = 400
    context = account_context(request, link, invoice=invoice, detail=detail, line=line, form=form)
    return render(request, "portal/invoices/dispute.html", context, status=status)


@require_POST
@account_page
def dispute_reply(request, link: PortalLink, pk: int):
    invoice = _client_invoice(link, pk)
    dispute = _open_dispute(selectors.invoice_detail(invoice))
    form = DisputeReplyForm(request.POST)
    if form.is_valid():
        try:
            disputes.reply(
                dispute,
                body=form.cleaned_data["body"],
                party=DisputeParty.CLIENT,
                contact=link.contact,
                actor=actor_label(contact=link.contact),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(_invoice_url(request, invoice.pk, "dispute-end"))
    return _invoice_page(request, link, invoice, reply_form=form, status=400)


@require_POST
@account_page
def dispute_accept(request, link: PortalLink, pk: int):
    """'This explains it': the explanation is accepted and the dispute resolved."""
    invoice = _client_invoice(link, pk)
    dispute = _open_dispute(selectors.invoice_detail(invoice))
    try:
        disputes.accept_explanation(dispute, contact=link.contact, actor=actor_label(contact=link.contact))
    except ValidationError as error:
        return _invoice_page(request, link, invoice, problem=" ".join(error.messages), status=409)
    return redirect(_invoice_url(request, invoice.pk))


@require_POST
@account_page
def dispute_withdraw(request, link: PortalLink, pk: int):
    invoice = _client_invoice(link, pk)
    dispute = _open_dispute(selectors.invoice_detail(invoice))
    form = DisputeWithdrawForm(request.POST)
    if form.is_valid():
        try:
            disputes.withdraw(
                dispute,
                party=DisputeParty.CLIENT,
                note=form.cleaned_data["note"],
                contact=link.contact,
                actor=actor_label(contact=link.contact),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(_invoice_url(request, invoice.pk))
    return _invoice_page(request, link, invoice, withdraw_form=form, status=400)
