from django.template.loader import render_to_string

from rewards.referral_selectors import staff_context


def referrals_panel(request, client) -> str:
    """The client page's referrals strip: the profile, referrals given and received, with the way to
    edit the profile. Registered with clients.panels in RewardsConfig.ready()."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.can("rewards.view"):
        return ""
    return render_to_string("rewards/referrals/client_panel.html", staff_context(client), request=request)
