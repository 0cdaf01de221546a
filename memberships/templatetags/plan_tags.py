"""How plans read on the staff pages: prices in the tenant's currency and per period."""

from django import template

from tenants.currency import money

register = template.Library()


@register.simple_tag(takes_context=True)
def price(context, amount, cycle: str = "") -> str:
    """``{% price plan.monthly_price %}`` → "$179.00"; with a cycle, "$179.00/month" or "$1,790.00/year"."""
    if amount is None:
        return ""
    tenant = context.get("current_tenant")
    text = money(amount, tenant.currency if tenant else "USD")
    per = {"monthly": "/month", "annual": "/year"}.get(cycle, "")
    return f"{text}{per}"
