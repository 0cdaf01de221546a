"""Portal pages of a tickets link: the client's tickets, opening one, and following it.

Each page runs through ``portal_page`` (the link's tenant scope, dead-end pages for a token that opens
nothing). The client always comes from the link; a ticket id in the URL is looked up among that client's
tickets only, so another client's or tenant's ticket is a 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from portal import client_tickets
from portal.forms import NotFixedForm, ReplyForm, TicketForm
from portal.models import TICKETS_PURPOSES, PortalLink
from portal.throttles import TicketCapReached, UploadCapReached
from portal.views import portal_page
from tenants.forms import add_service_errors
from tickets import attachments
from tickets.models import TicketStatus


def _context(request, link: PortalLink, **extra) -> dict:
    return {
        "link": link,
        "tenant": link.tenant,
        "contact": link.contact,
        "client": link.contact.client,
        "token": request.portal_token,
        **extra,
    }


def tickets_page(view):
    """A portal page for tickets links only; a missing ticket gets a page with the way back."""

    @portal_page
    def wrapper(request, link: PortalLink, *args, **kwargs):
        if link.purpose not in TICKETS_PURPOSES:
            return render(request, "portal/tickets/not_found.html", _context(request, link, wrong_link=True),
                          status=404)  # fmt: skip
        try:
            return view(request, link, *args, **kwargs)
        except Http404:
            return render(request, "portal/tickets/not_found.html", _context(request, link), status=404)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_http_methods(["GET", "HEAD"])
@tickets_page
def ticket_list(request, link: PortalLink):
    tickets = client_tickets.client_tickets(link)
    context = _context(
        request, link,
        open_tickets=[t for t in tickets if t.is_open], closed_tickets=[t for t in tickets if not t.is_open],
    )  # fmt: skip
    return render(request, "portal/tickets/list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@tickets_page
def ticket_new(request, link: PortalLink):
    form = TicketForm(
        request.POST or None,
        sites=client_tickets.client_sites(link),
        issue_types=client_tickets.issue_types(),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = client_tickets.open_from_portal(
                    link, title=data["title"], description=data.get("description", ""),
                    site=data.get("site"), issue_type=data.get("issue_type"), impact=data["impact"],
                    urgency=data["urgency"],
                )  # fmt: skip
            except TicketCapReached as cap:
                # The form comes back as typed, with when and how to reach the integrator instead.
                context = _context(request, link, form=form, cap=cap)
                response = render(request, "portal/tickets/new.html", context, status=429)
                response["Retry-After"] = str(cap.retry_after)
                return response
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect(f"{_ticket_url(request, ticket.pk)}?opened=1")
        status = 400
    return render(request, "portal/tickets/new.html", _context(request, link, form=form), status=status)


def _ticket_url(request, pk: int) -> str:
    return reverse("portal:ticket", kwargs={"token": request.portal_token, "pk": pk})


def _ticket_page(
    request, link, ticket, *, reply_form=None, not_fixed_form=None, upload_errors=(), status=200
):
    context = _context(
        request, link,
        attachments=attachments.public_attachments(ticket), upload_errors=upload_errors,
        attachment_accept=attachments.ACCEPT_ATTRIBUTE, attachment_help=attachments.ACCEPTED_HELP,
        just_attached=request.GET.get("attached", ""),
        ticket=ticket, replies=client_tickets.public_replies(ticket),
        promise=client_tickets.promise_for(ticket) if ticket.is_open else None,
        just_opened=request.GET.get("opened") == "1",
        reply_form=reply_form or ReplyForm(), not_fixed_form=not_fixed_form or NotFixedForm(),
        is_resolved=ticket.status == TicketStatus.RESOLVED, is_closed=ticket.status == TicketStatus.CLOSED,
    )  # fmt: skip
    return render(request, "portal/tickets/detail.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
@tickets_page
def ticket_detail(request, link: PortalLink, pk: int):
    return _ticket_page(request, link, client_tickets.client_ticket(link, pk))


@require_POST
@tickets_page
def ticket_reply(request, link: PortalLink, pk: int):
    ticket = client_tickets.client_ticket(link, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            client_tickets.reply_from_portal(link, ticket, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(f"{_ticket_url(request, ticket.pk)}#conversation-end")
    return _ticket_page(request, link, ticket, reply_form=form, status=400)


@require_POST
@tickets_page
def ticket_attach(request, link: PortalLink, pk: int):
    """Photos or files from the client (a phone's camera included) on one of its open tickets."""
    ticket = client_tickets.client_ticket(link, pk)
    try:
        added = client_tickets.attach_from_portal(link, ticket, uploads=request.FILES.getlist("files"))
    except UploadCapReached as cap:
        response = _ticket_page(request, link, ticket, upload_errors=cap.messages, status=429)
        response["Retry-After"] = str(cap.retry_after)
        return response
    except ValidationError as error:
        return _ticket_page(request, link, ticket, upload_errors=error.messages, status=400)
    return redirect(f"{_ticket_url(request, ticket.pk)}?attached={len(added)}#files")


@require_http_methods(["GET", "HEAD"])
@tickets_page
def ticket_file(request, link: PortalLink, pk: int, attachment_pk: int):
    """A file of one of the client's tickets, if it is one the client may see."""
    ticket = client_tickets.client_ticket(link, pk)
    return attachments.file_response(client_tickets.ticket_attachment(link, ticket, attachment_pk))


@require_POST
@tickets_page
def ticket_close(request, link: PortalLink, pk: int):
    """'This is fixed, close it' on a resolved ticket."""
    ticket = client_tickets.client_ticket(link, pk)
    try:
        client_tickets.confirm_fixed(link, ticket)
    except ValidationError:
        return _ticket_page(request, link, client_tickets.client_ticket(link, pk), status=409)
    return redirect(_ticket_url(request, ticket.pk))


@require_POST
@tickets_page
def ticket_reopen(request, link: PortalLink, pk: int):
    """'It's not fixed' on a resolved ticket: reopened, with the client's words as a reply."""
    ticket = client_tickets.client_ticket(link, pk)
    form = NotFixedForm(request.POST)
    form.is_valid()
    try:
        client_tickets.not_fixed(link, ticket, body=form.cleaned_data.get("body", ""))
    except ValidationError:
        return _ticket_page(request, link, client_tickets.client_ticket(link, pk), status=409)
    return redirect(_ticket_url(request, ticket.pk))
