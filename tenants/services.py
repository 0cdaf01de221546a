from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from tenants.models import StaffMembership, Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "tenant"
    slug, n = base, 2
    while Tenant.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_tenant(
    *,
    name: str,
    owner_email: str,
    owner_password: str | None = None,
    timezone: str = "UTC",
    currency: str = "USD",
    country: str = "US",
    subdivision: str = "",
    slug: str | None = None,
) -> Tenant:
    """Create a tenant with its first owner (an existing user is reused). Validates the settings."""
    tenant = Tenant(
        name=name,
        slug=slug or _unique_slug(name),
        timezone=timezone,
        currency=currency.upper(),
        country=country.upper(),
        subdivision=subdivision.upper(),
    )
    tenant.full_clean()
    tenant.save()
    owner = ensure_user(email=owner_email, password=owner_password)
    with tenant_scope(tenant):
        add_staff_member(tenant=tenant, user=owner, role=Role.OWNER)
    return tenant


def ensure_user(*, email: str, password: str | None = None, full_name: str = ""):
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    else:
        if password:
            user.set_password(password)
        if full_name and not user.full_name:
            user.full_name = full_name
        user.save(update_fields=["password", "full_name"])
    return user


def add_staff_member(*, tenant: Tenant, user, role: str) -> StaffMembership:
    """Give a user a role at the tenant (idempotent: an existing membership takes the new role)."""
    membership, _ = StaffMembership.objects.update_or_create(
        tenant=tenant, user=user, defaults={"role": role, "is_active": True}
    )
    return membership
