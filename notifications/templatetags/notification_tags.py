from django import template

from notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/includes/bell.html", takes_context=True)
def notification_bell(context):
    """The navbar's bell: unread count and the latest few, for the signed-in staff member."""
    request = context["request"]
    user = request.user
    if not user.is_authenticated or getattr(request, "membership", None) is None:
        return {"show": False}
    return {
        "show": True, "request": request, "unread": selectors.unread_count(user),
        "latest": selectors.latest(user), "csrf_token": context.get("csrf_token"),
        "current_tenant": context.get("current_tenant") or getattr(request, "tenant", None),
    }  # fmt: skip
