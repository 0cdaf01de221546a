"""The portal page of an account link that shows the client's rewards: what they were given, why, what it
is worth and where it stands, then each rewards program's section (their standing in it).

The page runs through ``account_page`` (the link's tenant scope; a link of another purpose gets a page
with the way back). The client always comes from the link, so a client only ever sees their own rewards.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from billing import selectors as billing_selectors
from portal.access import account_context, account_page
from portal.models import PortalLink
from rewards import selectors
from rewards.sections import sections_for
from tenants.localtime import tenant_today


@require_http_methods(["GET", "HEAD"])
@account_page
def reward_list(request, link: PortalLink):
    """The client's rewards, newest first, then the programs' sections."""
    today = tenant_today()
    client = link.contact.client
    rows = selectors.rewards(client=client)
    context = account_context(
        request,
        link,
        rewards=list(rows),
        totals=selectors.reward_totals(rows, on=today),
        credit=billing_selectors.credit_balance(client),
        sections=sections_for(client, audience="portal", on=today),
        currency=link.tenant.currency,
        today=today,
    )
    return render(request, "portal/rewards.html", context)
