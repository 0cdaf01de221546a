"""Which portal pages a link opens beyond its own purpose."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from portal.models import TICKETS_PURPOSES, LinkPurpose, PortalLink
from portal.views import portal_page


def account_context(request, link: PortalLink, **extra) -> dict:
    return {
        "link": link,
        "tenant": link.tenant,
        "contact": link.contact,
        "client": link.contact.client,
        "token": request.portal_token,
        **extra,
    }


def account_page(view):
    """A portal page of an account link (plan and invoices); another link, or a missing object, gets a
    page with the way back instead."""

    @portal_page
    def wrapper(request, link: PortalLink, *args, **kwargs):
        if link.purpose != LinkPurpose.ACCOUNT:
            context = account_context(
                request, link, wrong_link=True, is_tickets_link=link.purpose in TICKETS_PURPOSES
            )
            return render(request, "portal/account_not_found.html", context, status=404)
        try:
            return view(request, link, *args, **kwargs)
        except Http404:
            return render(
                request, "portal/account_not_found.html", account_context(request, link), status=404
            )

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper
