from tenants.models import StaffMembership, Tenant
from tenants.scope import cross_tenant


def memberships_for_user(user) -> list[StaffMembership]:
    """Every active tenant a staff user belongs to, by tenant name (for sign-in and the switcher)."""
    if not user.is_authenticated:
        return []
    with cross_tenant("list the tenants a signed-in user belongs to"):
        return list(
            StaffMembership.objects.filter(user=user, is_active=True, tenant__is_active=True)
            .select_related("tenant")
            .order_by("tenant__name")
        )


def active_membership(memberships: list[StaffMembership], tenant_id: int | None) -> StaffMembership | None:
    """The membership the session works in: the one it chose, else the first."""
    for membership in memberships:
        if membership.tenant_id == tenant_id:
            return membership
    return memberships[0] if memberships else None


def tenant_by_slug(slug: str) -> Tenant:
    return Tenant.objects.get(slug=slug)
