import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from api.keys import create_api_key, first_owner
from clients.models import Client, Contact, Site
from imports.models import ImportJob
from service_levels.models import BusinessCalendar, ClosureDay, IssueType, PolicyKind, SlaPolicy, SlaTarget
from tenants.localtime import tenant_today
from tenants.models import CostRate, StaffMembership, Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope
from webhooks.signing import new_secret

PASSWORD = "correct horse battery staple"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Integrator {n}")
    slug = factory.Sequence(lambda n: f"integrator-{n}")
    timezone = "America/New_York"
    currency = "USD"
    country = "US"
    subdivision = "NY"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TenantOwnedFactory(factory.django.DjangoModelFactory):
    """Creates the row inside its tenant's scope, as the app does (RLS checks the insert)."""

    class Meta:
        abstract = True

    tenant = factory.SubFactory(TenantFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with tenant_scope(kwargs["tenant"]):
            return super()._create(model_class, *args, **kwargs)


class StaffMembershipFactory(TenantOwnedFactory):
    class Meta:
        model = StaffMembership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Role.OWNER

    @factory.post_generation
    def cost_rate(obj, create, extracted, **kwargs):
        """``cost_rate=Decimal("48.00")``: their one rate, from long ago (the history's first row)."""
        if create and extracted is not None:
            with tenant_scope(obj.tenant):
                CostRate.objects.create(
                    tenant=obj.tenant,
                    membership=obj,
                    rate=Decimal(str(extracted)),
                    effective_from=datetime.date(2000, 1, 1),
                    set_at=timezone.now(),
                )


class ClientFactory(TenantOwnedFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n} Residence")
    email = factory.Sequence(lambda n: f"office{n}@client.example")
    managed_endpoints = 25


class ContactFactory(TenantOwnedFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    tenant = factory.SelfAttribute("client.tenant")
    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@client.example")
    can_sign = True


class SiteFactory(TenantOwnedFactory):
    class Meta:
        model = Site

    client = factory.SubFactory(ClientFactory)
    tenant = factory.SelfAttribute("client.tenant")
    name = "Main residence"
    address_line1 = "12 Harbor Lane"
    city = "Rye"
    region = "NY"
    postal_code = "10580"
    timezone = "America/New_York"


class ImportJobFactory(TenantOwnedFactory):
    """A checked, not yet imported CSV of one client."""

    class Meta:
        model = ImportJob

    file_name = "clients.csv"
    csv_text = "client_name\nWhitaker Residence\n"
    layout = "accord"
    layout_detected = "accord"
    total_rows = 1


def api_key_for(tenant, scopes=("read", "write"), name="Partner", owner=None, **extra):
    """(ApiKey, clear key) for a tenant, owned by ``owner`` (default: the tenant's first owner, made if
    there is none)."""
    with tenant_scope(tenant):
        if owner is None and first_owner() is None:
            owner = StaffMembershipFactory(tenant=tenant, role=Role.OWNER).user
        return create_api_key(name=name, scopes=list(scopes), owner=owner, **extra)


# --- Service levels -------------------------------------------------------------------------------

OFFICE_HOURS = {str(day): [["08:00", "17:00"]] for day in range(5)}


class CalendarFactory(TenantOwnedFactory):
    class Meta:
        model = BusinessCalendar

    name = factory.Sequence(lambda n: f"Calendar {n}")
    timezone = "America/New_York"
    weekly_hours = factory.LazyFunction(lambda: {day: list(hours) for day, hours in OFFICE_HOURS.items()})


class ClosureDayFactory(TenantOwnedFactory):
    class Meta:
        model = ClosureDay

    calendar = factory.SubFactory(CalendarFactory)
    tenant = factory.SelfAttribute("calendar.tenant")
    date = factory.Sequence(lambda n: datetime.date(2026, 1, 5) + datetime.timedelta(days=n))
    reason = "Team retreat"


class SlaPolicyFactory(TenantOwnedFactory):
    class Meta:
        model = SlaPolicy

    name = factory.Sequence(lambda n: f"Policy {n}")
    kind = PolicyKind.TIER  # tiers may be many per tenant (one active per key)
    key = factory.Sequence(lambda n: f"tier-{n}")
    pause_statuses = factory.LazyFunction(lambda: ["waiting_on_client"])


class SlaTargetFactory(TenantOwnedFactory):
    class Meta:
        model = SlaTarget

    policy = factory.SubFactory(SlaPolicyFactory)
    tenant = factory.SelfAttribute("policy.tenant")
    calendar = factory.SubFactory(CalendarFactory, tenant=factory.SelfAttribute("..tenant"))
    priority = "P1"
    metric = "first_response"
    minutes = 60


class IssueTypeFactory(TenantOwnedFactory):
    class Meta:
        model = IssueType

    name = factory.Sequence(lambda n: f"Issue type {n}")
    category = "hardware"
    default_priority = "P3"
    work_location = "on_site"
    expected_turnaround_minutes = 240


# --- Client portal --------------------------------------------------------------------------------


class PortalLinkFactory(TenantOwnedFactory):
    """A link issued through the service (only its hash is stored); the clear token is on ``link.token``,
    for tests only. Pass ``agreement`` (and a ``contact`` of its client)."""

    class Meta:
        model = "portal.PortalLink"

    contact = factory.SubFactory(ContactFactory)
    tenant = factory.SelfAttribute("contact.tenant")
    purpose = "sign_agreement"
    agreement = None
    ttl = datetime.timedelta(days=30)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from portal.links import issue_portal_link

        with tenant_scope(kwargs["tenant"]):
            link, token = issue_portal_link(
                contact=kwargs["contact"],
                purpose=kwargs["purpose"],
                agreement=kwargs["agreement"],
                ttl=kwargs["ttl"],
            )
        link.token = token
        return link


def _client_of(agreement):
    with tenant_scope(agreement.tenant):
        return agreement.client


class SignatureFactory(TenantOwnedFactory):
    """A completed signature row (no PDF) for ``agreement``; its contact is one of the agreement's client."""

    class Meta:
        model = "contracts.Signature"

    agreement = None
    tenant = factory.SelfAttribute("agreement.tenant")
    contact = factory.SubFactory(
        ContactFactory, client=factory.LazyAttribute(lambda o: _client_of(o.factory_parent.agreement))
    )
    signer_name = factory.SelfAttribute("contact.full_name")
    signer_email = factory.SelfAttribute("contact.email")
    signed_at = factory.LazyFunction(timezone.now)
    document_html = "<p>Signed document</p>"
    document_sha256 = factory.Sequence(lambda n: f"{n:064x}")
    pdf_sha256 = factory.Sequence(lambda n: f"{n + 10**6:064x}")


# --- Contract templates and versions ---------------------------------------------------------------


class ContractTemplateFactory(TenantOwnedFactory):
    class Meta:
        model = "contracts.ContractTemplate"

    name = factory.Sequence(lambda n: f"Contract template {n}")
    kind = "service_contract"
    description = "Terms of service and SLA for every client."


class ContractVersionFactory(TenantOwnedFactory):
    """A draft version of a new template; ``ContractVersionFactory(published=True)`` is published (the
    row is inserted as published: the database only refuses updates and deletes of published rows)."""

    class Meta:
        model = "contracts.ContractVersion"

    template = factory.SubFactory(ContractTemplateFactory)
    tenant = factory.SelfAttribute("template.tenant")
    number = factory.Sequence(lambda n: n + 1)
    status = "draft"
    title = "Service Agreement"
    terms_markdown = (
        "This agreement is between {{ tenant_name }} and {{ client_name }}.\n\n"
        "# Scope\n\nWe look after your systems."
    )
    sla_markdown = "{{ sla_table }}"
    coverage = factory.LazyFunction(
        lambda: [
            {"category": "", "work_type": "remote_support", "covered": True, "note": "Remote triage"},
            {"category": "", "work_type": "installation", "covered": False, "note": "Quoted separately"},
        ]
    )
    hourly_rate_remote = "120.00"
    hourly_rate_onsite = "160.00"
    billing_terms = "Invoiced monthly, due within 15 days."
    term_months = 12
    auto_renew = True
    notice_days = 30

    class Params:
        published = factory.Trait(
            status="published",
            published_at=factory.LazyFunction(timezone.now),
        )


# --- Agreements and signing campaigns -------------------------------------------------------------


class AgreementFactory(TenantOwnedFactory):
    """An agreement row in the given status and term, on a published version of its own template (made
    through the model: for pages and API fixtures; lifecycle tests go through contracts.agreements)."""

    class Meta:
        model = "contracts.Agreement"

    client = factory.SubFactory(ClientFactory)
    tenant = factory.SelfAttribute("client.tenant")
    version = factory.SubFactory(
        ContractVersionFactory, published=True, template__tenant=factory.SelfAttribute("...tenant")
    )
    status = "active"
    # The tenant's dates, as the app's: in the evening in New York the server's UTC date is tomorrow.
    starts_on = factory.LazyAttribute(lambda o: tenant_today(o.tenant) - datetime.timedelta(days=30))
    ends_on = factory.LazyAttribute(
        lambda o: o.starts_on + datetime.timedelta(days=364) if o.starts_on else None
    )


# --- Memberships ------------------------------------------------------------------------------------


def plan_with_key(tenant, key: str, *, kind: str = "tier", price=Decimal("149.00"), **extra):
    """The tenant's plan of ``key``, made (granting the SLA policy of that key) if it does not exist yet."""
    return PlanFactory(tenant=tenant, key=key, kind=kind, monthly_price=Decimal(price), **extra)


def subscribe(
    agreement, *, tier=None, riders=(), cycle="monthly", started_on=None, tier_price=None, anchor_day=None
):
    """Start a membership on a signed ``agreement`` (by the services, in the agreement's tenant)."""
    from memberships import services

    with tenant_scope(agreement.tenant):
        holding = services.requested_holding(
            tier=tier, riders=list(riders), cycle=cycle, tier_price=tier_price
        )
        return services.start_subscription(
            client=agreement.client,
            agreement=agreement,
            holding=holding,
            started_on=started_on or agreement.starts_on,
            actor="owner@example.com",
            anchor_day=anchor_day,
        )


class CampaignFactory(TenantOwnedFactory):
    class Meta:
        model = "contracts.Campaign"

    version = factory.SubFactory(
        ContractVersionFactory, published=True, template__tenant=factory.SelfAttribute("...tenant")
    )
    name = factory.Sequence(lambda n: f"Signing campaign {n}")
    status = "open"
    grace_deadline = factory.LazyAttribute(lambda o: tenant_today(o.tenant) + datetime.timedelta(days=10))
    reminder_days = factory.LazyFunction(lambda: [7, 3, 1])


# --- Notifications and SLA desks ------------------------------------------------------------------


class NotificationFactory(TenantOwnedFactory):
    """An in-app notification for ``recipient`` (pass a staff member of ``tenant``)."""

    class Meta:
        model = "notifications.Notification"

    recipient = factory.SubFactory(UserFactory)
    kind = "sla.breached"
    title = factory.Sequence(lambda n: f"First response breached on #{n} Wi-Fi down")
    body = "Was due Mon 16 Nov, 10:00 EST. P1 · Critical, Client Residence."
    created_at = factory.LazyFunction(timezone.now)


def sla_desk(tenant) -> dict:
    """Basic-triage SLA for ``tenant``, as tests/tickets/conftest.py's ``desk``: first response 1 h on a
    24/7 calendar, on-site 4 and resolution 8 business hours (Mon-Fri 08:00-17:00 New York), times 2/4/8
    for P2/P3/P4; waiting on the client pauses. Made inside the tenant's scope, returned outside it."""
    from service_levels import services as sla_services
    from service_levels.models import Metric

    with tenant_scope(tenant):
        always = sla_services.create_calendar(
            name="24/7", timezone="UTC", weekly_hours=sla_services.PRESETS["always_open"]
        )
        office = sla_services.create_calendar(
            name="Office",
            timezone="America/New_York",
            weekly_hours=sla_services.PRESETS["office_hours"],
            holiday_country="US",
            holiday_subdivision="NY",
        )
        policy = sla_services.create_policy(
            name="Basic triage", kind=PolicyKind.BASIC_TRIAGE, pause_statuses=["waiting_on_client"]
        )
        grid = {}
        for priority, factor in (("P1", 1), ("P2", 2), ("P3", 4), ("P4", 8)):
            grid[(priority, Metric.FIRST_RESPONSE)] = (60 * factor, always)
            grid[(priority, Metric.ONSITE)] = (4 * 60 * factor, office)
            grid[(priority, Metric.RESOLUTION)] = (8 * 60 * factor, office)
        sla_services.set_targets(policy, grid)
    return {"always": always, "office": office, "policy": policy}


# --- Tickets ----------------------------------------------------------------------------------------


class TicketFactory(TenantOwnedFactory):
    """A ticket opened through tickets.services.open_ticket (clocks started, history written) inside its
    tenant's scope. ``TicketFactory(client__tenant=tenant)`` or ``TicketFactory(client=a_client)``; pass
    ``now=`` to open it at a given time."""

    class Meta:
        model = "tickets.Ticket"

    client = factory.SubFactory(ClientFactory)
    tenant = factory.SelfAttribute("client.tenant")
    title = factory.Sequence(lambda n: f"No picture on the lounge TV ({n})")
    impact = "medium"
    urgency = "medium"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from tickets.services import open_ticket

        tenant = kwargs.pop("tenant")
        with tenant_scope(tenant):
            return open_ticket(**kwargs)


# --- Partner webhooks -------------------------------------------------------------------------------


class WebhookEndpointFactory(TenantOwnedFactory):
    """An endpoint row as registered (the URL is not resolved here: nothing is sent to it)."""

    class Meta:
        model = "webhooks.WebhookEndpoint"

    url = factory.Sequence(lambda n: f"https://hooks{n}.partner.example/accord")
    description = "Partner RMM"
    events = factory.LazyFunction(lambda: ["ticket.created", "ticket.updated"])
    secret = factory.LazyFunction(new_secret)


class WebhookDeliveryFactory(TenantOwnedFactory):
    """A pending delivery of a made-up ``ticket.created`` message to ``endpoint``."""

    class Meta:
        model = "webhooks.WebhookDelivery"

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    tenant = factory.SelfAttribute("endpoint.tenant")
    event = None
    event_type = "ticket.created"
    message_id = factory.Sequence(lambda n: f"msg_test{n:06d}")
    body = '{"type":"ticket.created","timestamp":"2026-12-01T09:30:00Z","data":{"ticket":{"id":1}}}'
    next_attempt_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))


# --- Membership plans and subscriptions -----------------------------------------------------------

# key: (kind, name, monthly, annual, rank), like the demo's plans
STANDARD_PLANS = {
    "silver": ("tier", "Silver", Decimal("59.00"), Decimal("590.00"), 1),
    "gold": ("tier", "Gold", Decimal("179.00"), Decimal("1790.00"), 2),
    "platinum": ("tier", "Platinum", Decimal("399.00"), Decimal("3990.00"), 3),
    "premium-response": ("rider", "Premium Response", Decimal("49.00"), Decimal("490.00"), 0),
}


def _standard(index: int, default):
    """A field of the STANDARD_PLANS row of the plan's key, else ``default``."""
    return factory.LazyAttribute(
        lambda o: STANDARD_PLANS[o.key][index] if o.key in STANDARD_PLANS else default
    )


class PlanFactory(TenantOwnedFactory):
    """A plan by key, once per tenant: ``PlanFactory(tenant=t, key="gold")`` is the Gold tier of
    STANDARD_PLANS (made on first use, the same row after); other keys are $100 tiers unless told. It
    grants the tenant's active SLA policy of its kind and key, if there is one (as the demo's plans)."""

    class Meta:
        model = "memberships.Plan"
        django_get_or_create = ("tenant", "key")

    key = factory.Sequence(lambda n: f"plan-{n}")
    kind = _standard(0, "tier")
    name = _standard(1, "Custom plan")
    monthly_price = _standard(2, Decimal("100.00"))
    annual_price = _standard(3, Decimal("1000.00"))
    rank = _standard(4, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with tenant_scope(kwargs["tenant"]):
            if "sla_policy" not in kwargs:
                kwargs["sla_policy"] = SlaPolicy.objects.filter(
                    kind=kwargs["kind"], key=kwargs["key"], is_active=True
                ).first()
            return super()._create(model_class, *args, **kwargs)


def give_membership(agreement, *, tier="gold", riders=(), cycle="monthly", started_on=None, tier_price=None):
    """Start a membership on ``agreement`` (plans by key, made from STANDARD_PLANS when missing) through
    memberships.services, from ``started_on`` (the agreement's start by default)."""
    from memberships import services as memberships

    tenant = agreement.tenant
    with tenant_scope(tenant):
        holding = memberships.requested_holding(
            tier=PlanFactory(tenant=tenant, key=tier) if tier else None,
            riders=[PlanFactory(tenant=tenant, key=key) for key in riders],
            cycle=cycle,
            tier_price=tier_price,
        )
        return memberships.start_subscription(
            client=agreement.client,
            agreement=agreement,
            holding=holding,
            started_on=started_on or agreement.starts_on,
            actor="test setup",
        )


def authenticator_code(device, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for a django-otp TOTP device (``steps_ahead`` periods later:
    a device refuses a code of a period it already accepted one in)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enable_two_factor(user) -> tuple[object, list[str]]:
    """Turn on two-step sign-in for ``user`` as the security page does: (authenticator, recovery codes)."""
    from accounts import two_factor

    device = two_factor.start_setup(user)
    codes = two_factor.confirm_setup(user, authenticator_code(device))
    device.refresh_from_db()
    return device, codes
