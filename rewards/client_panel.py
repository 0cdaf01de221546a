from django.template.loader import render_to_string

from rewards import selectors
from rewards.standing import anniversary_section
from tenants.localtime import tenant_today

PANEL_REWARDS = 3


def rewards_panel(request, client) -> str:
    """The client page's rewards strip: the anniversary streak, the last rewards and what was granted this
    year, with a link to the client's rewards page. Nothing for staff who may not see rewards. Registered
    with clients.panels in RewardsConfig.ready()."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.can("rewards.view"):
        return ""
    rows = selectors.rewards(client=client)
    today = tenant_today()
    return render_to_string(
        "rewards/includes/client_panel.html",
        {
            "client": client,
            "latest": list(rows[:PANEL_REWARDS]),
            "totals": selectors.reward_totals(rows, on=today),
            "anniversary": anniversary_section(client, today),  # the streak, while the program is on
            "currency": request.tenant.currency,
        },
        request=request,
    )
