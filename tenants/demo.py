"""Demo tenants and staff for `seed_demo`. Idempotent: running it again changes nothing."""

from dataclasses import dataclass

from tenants.models import Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope
from tenants.services import add_staff_member, create_tenant, ensure_user

DEMO_PASSWORD = "accord-demo-2026"


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    kind: str
    timezone: str
    currency: str
    country: str
    subdivision: str
    email_domain: str


DEMO_TENANTS = [
    DemoTenant(
        slug="northwind-av",
        name="Northwind AV & Home Technology",
        kind="AV/home-tech integrator",
        timezone="America/New_York",
        currency="USD",
        country="US",
        subdivision="NY",
        email_domain="northwind-av.example",
    ),
    DemoTenant(
        slug="harbor-it",
        name="Harbor IT Services",
        kind="managed-service provider",
        timezone="Europe/London",
        currency="GBP",
        country="GB",
        subdivision="ENG",
        email_domain="harbor-it.example",
    ),
]

STAFF_NAMES = {
    Role.OWNER: "Olivia Owens",
    Role.MANAGER: "Marcus Mendel",
    Role.DISPATCHER: "Dana Diaz",
    Role.TECHNICIAN: "Theo Tran",
    Role.BILLING: "Bianca Bell",
    Role.READ_ONLY: "Riley Reed",
}

# One person on both teams, to show the tenant switcher.
CONSULTANT_EMAIL = "consultant@accord.example"


def staff_email(demo: DemoTenant, role: Role) -> str:
    return f"{role.value.replace('_', '-')}@{demo.email_domain}"


def seed_tenants(progress=print) -> list[Tenant]:
    tenants = []
    for demo in DEMO_TENANTS:
        tenant = Tenant.objects.filter(slug=demo.slug).first()
        if tenant is None:
            tenant = create_tenant(
                name=demo.name,
                slug=demo.slug,
                owner_email=staff_email(demo, Role.OWNER),
                owner_password=DEMO_PASSWORD,
                timezone=demo.timezone,
                currency=demo.currency,
                country=demo.country,
                subdivision=demo.subdivision,
            )
        with tenant_scope(tenant):
            for role, full_name in STAFF_NAMES.items():
                user = ensure_user(email=staff_email(demo, role), password=DEMO_PASSWORD, full_name=full_name)
                add_staff_member(tenant=tenant, user=user, role=role)
            consultant = ensure_user(
                email=CONSULTANT_EMAIL, password=DEMO_PASSWORD, full_name="Casey Consultant"
            )
            add_staff_member(tenant=tenant, user=consultant, role=Role.MANAGER)
        progress(f"  tenant {tenant.name} ({demo.kind}): {len(STAFF_NAMES) + 1} staff")
        tenants.append(tenant)
    return tenants


def demo_logins() -> list[tuple[str, str, str]]:
    rows = [(CONSULTANT_EMAIL, "manager at both tenants (shows the tenant switcher)", DEMO_PASSWORD)]
    for demo in DEMO_TENANTS:
        for role in STAFF_NAMES:
            rows.append((staff_email(demo, role), f"{role.label} at {demo.name}", DEMO_PASSWORD))
    return rows
