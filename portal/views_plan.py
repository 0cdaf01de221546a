"""Portal pages of an account link about the client's membership: what it has, what it could move up to,
and asking for an upgrade, which sends a supplement to sign (portal/plan.py).

Each page runs through ``account_page`` (the link's tenant, account links only, a way back for anything
else). The client always comes from the link; an option in the URL is looked up among the options the
page offers that client, so a crafted address can ask for nothing the page would not show.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from portal import plan
from portal.access import account_context, account_page
from portal.links import issue_portal_link
from portal.models import LinkPurpose, PortalLink


def _plan_url(request, **query) -> str:
    url = reverse("portal:plan", kwargs={"token": request.portal_token})
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def _page_context(request, link: PortalLink, page: plan.PlanPage, **extra) -> dict:
    contact = link.contact
    return account_context(
        request,
        link,
        page=page,
        may_sign=contact.can_sign,
        other_signers=[signer for signer in page.signers if signer.pk != contact.pk],
        reply_to=link.tenant.reply_to_email,
        **extra,
    )


@require_http_methods(["GET", "HEAD"])
@account_page
def plan_overview(request, link: PortalLink):
    """The client's plan, what it includes and the upgrades on offer."""
    page = plan.plan_page(link.contact.client)
    context = _page_context(request, link, page, just_sent=request.GET.get("sent") == "1")
    return render(request, "portal/plan.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@account_page
def plan_choose(request, link: PortalLink, plan_id: int):
    """The confirm step: the option and its price again, then (POST) the supplement is made and sent."""
    page = plan.plan_page(link.contact.client)
    option = page.option(plan_id)
    if option is None:  # not an upgrade for this client (any more): the way back, not a dead end
        context = _page_context(request, link, page, option=None)
        return render(request, "portal/plan_confirm.html", context, status=404)
    error, status = "", 200
    if request.method == "POST":
        try:
            plan.request_change(link, plan_id=plan_id)
        except ValidationError as problem:
            error, status = " ".join(problem.messages), 400
        else:
            return redirect(_plan_url(request, sent=1))
    context = _page_context(request, link, page, option=option, error=error)
    return render(request, "portal/plan_confirm.html", context, status=status)


@require_POST
@account_page
def plan_sign(request, link: PortalLink):
    """'Read and sign now': a fresh signing link for the contact, and straight to the document."""
    try:
        agreement = plan.signable_agreement(link, request.POST.get("agreement"))
        _, token = issue_portal_link(
            contact=link.contact, purpose=LinkPurpose.SIGN_AGREEMENT, agreement=agreement
        )
    except ValidationError as problem:
        page = plan.plan_page(link.contact.client)
        context = _page_context(request, link, page, sign_error=" ".join(problem.messages))
        return render(request, "portal/plan.html", context, status=409)
    return redirect("portal:open", token=token)
