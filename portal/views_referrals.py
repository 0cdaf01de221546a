"""Portal pages of an account link for referrals: refer someone to the integrator (then a thank-you page)
and keep the client's referral profile, which the integrator uses to introduce them to other clients.

Each page runs through ``account_page``; the referrer is always the link's client. The rules (who can be
referred, the first referral of a person counts) are rewards.referrals'.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.actors import actor_label
from portal.access import account_context, account_page
from portal.forms import PortalProfileForm, ReferForm
from portal.models import PortalLink
from rewards import referrals
from rewards.models import ReferralProfile
from rewards.referral_selectors import client_referrals
from tenants.forms import add_service_errors

PROFILE_FIELDS = ("industry", "sells", "target_customers", "area", "needs", "open_to_introductions")


@require_http_methods(["GET", "HEAD", "POST"])
@account_page
def refer(request, link: PortalLink):
    """Refer someone: a name and a way to reach them."""
    client = link.contact.client
    form = ReferForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                referrals.refer_prospect(
                    referrer=client,
                    name=data["name"],
                    company=data["company"],
                    email=data["email"],
                    phone=data["phone"],
                    note=data["note"],
                    source="portal",
                    actor=actor_label(contact=link.contact),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect(reverse("portal:referred", kwargs={"token": request.portal_token}))
        status = 400
    context = account_context(
        request,
        link,
        form=form,
        program=referrals.referral_program(),
        standing=client_referrals(client),
        currency=link.tenant.currency,
    )
    return render(request, "portal/referrals/refer.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
@account_page
def referred(request, link: PortalLink):
    """Thank you: what happens next."""
    context = account_context(
        request, link, program=referrals.referral_program(), currency=link.tenant.currency
    )
    return render(request, "portal/referrals/thanks.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@account_page
def profile(request, link: PortalLink):
    """The client's referral profile, in their words."""
    client = link.contact.client
    current = ReferralProfile.objects.filter(client=client).first()
    initial = (
        {name: getattr(current, name) for name in PROFILE_FIELDS}
        if current
        else {"open_to_introductions": True}
    )
    form = PortalProfileForm(request.POST or None, initial=initial)
    status, saved = 200, request.GET.get("saved") == "1"
    if request.method == "POST":
        if form.is_valid():
            try:
                referrals.save_profile(client, actor=actor_label(contact=link.contact), **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect(
                    reverse("portal:referral_profile", kwargs={"token": request.portal_token}) + "?saved=1"
                )
        status = 400
    context = account_context(request, link, form=form, saved=saved)
    return render(request, "portal/referrals/profile.html", context, status=status)
