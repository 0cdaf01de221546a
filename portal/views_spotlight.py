"""The client's spotlight page in the portal (an account link): if they were a customer of the month, they
read the draft staff wrote, edit the blurb about their business and website, and choose whether the public
page at the share URL is published. Nothing is public until they publish it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.actors import actor_label
from portal.access import account_context, account_page
from portal.models import PortalLink
from rewards import customer_of_the_month as cotm
from rewards.forms_programs import SpotlightForm


def _page(request, link, spotlight, form, *, status=200, saved=""):
    context = account_context(
        request,
        link,
        spotlight=spotlight,
        award=spotlight.award,
        form=form,
        saved=saved,
        share_url=request.build_absolute_uri(reverse("spotlight:public", args=[spotlight.share_token])),
    )
    return render(request, "portal/spotlight.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@account_page
def spotlight(request, link: PortalLink):
    """See, edit, publish or withdraw the client's spotlight page."""
    client = link.contact.client
    found = cotm.spotlight_for_client(client)
    if found is None:
        raise Http404("This client has no spotlight.")
    actor = actor_label(contact=link.contact)
    if request.method != "POST":
        form = SpotlightForm(initial={"blurb": found.blurb, "website": found.website})
        return _page(request, link, found, form, saved=request.GET.get("saved", ""))
    action = request.POST.get("action", "save")
    if action == "withdraw":
        cotm.withdraw_spotlight(found, actor=actor)
        return redirect(f"{reverse('portal:spotlight', args=[request.portal_token])}?saved=withdrawn")
    form = SpotlightForm(request.POST)
    if not form.is_valid():
        return _page(request, link, found, form, status=400)
    try:
        cotm.edit_spotlight(
            found, blurb=form.cleaned_data["blurb"], website=form.cleaned_data["website"], actor=actor
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, link, found, form, status=400)
    if action == "publish":
        cotm.publish_spotlight(found, actor=actor)
        return redirect(f"{reverse('portal:spotlight', args=[request.portal_token])}?saved=published")
    return redirect(f"{reverse('portal:spotlight', args=[request.portal_token])}?saved=saved")
