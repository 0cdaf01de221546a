"""``{{ tenant|brand }}``: the tenant's colours and logo facts (tenants.branding.Brand) for templates."""

from django import template

from tenants.branding import Brand, brand_for

register = template.Library()


@register.filter
def brand(tenant) -> Brand | None:
    return brand_for(tenant) if tenant else None
