from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from django.utils.timezone import now as timezone_now

from accounts.services import ensure_user
from tenants import branding
from tenants.localtime import tenant_localtime
from tenants.models import CostRate, StaffMembership, Tenant
from tenants.roles import Role
from tenants.scope import current_tenant, tenant_scope
from tenants.signing_identities import current_signing_identity


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
    """Create a tenant with its first owner (an existing user is reused) and its signing identity (a
    self-issued certificate that seals its signed PDFs). Validates the settings."""
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
        current_signing_identity(tenant)
    return tenant


def add_staff_member(*, tenant: Tenant, user, role: str) -> StaffMembership:
    """Give a user a role at the tenant (idempotent: an existing membership takes the new role)."""
    membership, _ = StaffMembership.objects.update_or_create(
        tenant=tenant, user=user, defaults={"role": role, "is_active": True}
    )
    return membership


class LastOwnerError(ValidationError):
    pass


def _ensure_an_owner_remains(membership: StaffMembership, *, new_role: str | None) -> None:
    if membership.role != Role.OWNER or new_role == Role.OWNER:
        return
    owners = StaffMembership.objects.filter(role=Role.OWNER, is_active=True).exclude(pk=membership.pk)
    if not owners.exists():
        raise LastOwnerError("A company needs at least one owner: make someone else owner first.")


@transaction.atomic
def invite_staff_member(
    *, email: str, role: str, full_name: str = "", invited_by=None, site_url: str
) -> StaffMembership:
    """Add a person to the current tenant's staff and email them a link to set their password.

    Idempotent for a person already on the staff (their role is updated). The email is sent after commit.
    """
    Role(role)
    tenant = current_tenant()
    user = ensure_user(email=email, full_name=full_name)
    membership = add_staff_member(tenant=tenant, user=user, role=role)
    transaction.on_commit(
        lambda: send_invitation(user=user, tenant=tenant, invited_by=invited_by, site_url=site_url)
    )
    return membership


def send_invitation(*, user, tenant: Tenant, invited_by, site_url: str) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "tenant": tenant, "invited_by": invited_by, "link": f"{site_url}{path}"}
    headers = branding.email_headers(tenant, reply_to=getattr(invited_by, "email", None))
    message = EmailMultiAlternatives(
        subject=f"You're invited to {tenant.name} on Accord",
        body=render_to_string("tenants/email/invitation.txt", context),
        from_email=headers.from_email,
        to=[user.email],
        reply_to=headers.reply_to,
    )
    message.attach_alternative(render_to_string("tenants/email/invitation.html", context), "text/html")
    message.send()


@transaction.atomic
def change_staff_role(membership: StaffMembership, *, role: str) -> StaffMembership:
    Role(role)
    _ensure_an_owner_remains(membership, new_role=role)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_staff_member(membership: StaffMembership) -> StaffMembership:
    """Take someone off the staff (kept for history; they can be invited again)."""
    _ensure_an_owner_remains(membership, new_role=None)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    return membership


@transaction.atomic
def update_company_settings(
    tenant: Tenant,
    *,
    name: str,
    timezone: str,
    reply_to_email: str = "",
    brand_colour: str | None = None,
    require_email_code: bool | None = None,
    email_code_above_fee: Decimal | None = None,
    service_area: str | None = None,
) -> Tenant:
    """Change the company's name, time zone and reply-to address (every client email answers to it),
    and each of these that is not None: the brand colour (the portal's header and buttons, emails, PDFs:
    any form tenants.branding.normalise_colour reads; "" is the default colour), whether signers confirm
    their email with a one-time code and above which monthly fee, and the service area (kept tidy: one
    postcode prefix or town per line, duplicates dropped). Validates like the model (a known time zone, an
    email address, a hex colour) and saves all or nothing; the caller's ``tenant`` object is left as it
    was, the saved row is returned."""
    colour = branding.normalise_colour(brand_colour) if brand_colour is not None else None
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    tenant.name = " ".join(name.split())
    tenant.timezone = timezone
    tenant.reply_to_email = reply_to_email.strip()
    fields = ["name", "timezone", "reply_to_email"]
    if colour is not None:
        tenant.brand_colour = colour
        fields.append("brand_colour")
    if require_email_code is not None:
        tenant.require_email_code = require_email_code
        fields.append("require_email_code")
    if email_code_above_fee is not None:
        if email_code_above_fee < 0:
            raise ValidationError({"email_code_above_fee": "A fee threshold is zero or more."})
        tenant.email_code_above_fee = email_code_above_fee
        fields.append("email_code_above_fee")
    if service_area is not None:
        tenant.service_area = _tidy_service_area(service_area)
        fields.append("service_area")
    tenant.full_clean()
    tenant.save(update_fields=fields)
    return tenant


@transaction.atomic
def replace_logo(tenant: Tenant, *, upload) -> Tenant:
    """Store ``upload`` as the tenant's logo once tenants.branding.check_logo accepts it (a refused file
    changes nothing). The previous file is deleted once the change is committed."""
    checked = branding.check_logo(upload)
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    previous = tenant.logo.name if tenant.logo else ""
    tenant.logo.save(f"logo{checked.suffix}", ContentFile(checked.content), save=False)
    tenant.logo_type = checked.content_type
    tenant.save(update_fields=["logo", "logo_type"])
    stored = tenant.logo.storage
    transaction.on_commit(lambda: _delete_file(stored, previous))
    return tenant


@transaction.atomic
def remove_logo(tenant: Tenant) -> Tenant:
    """No logo any more: the portal, emails and PDFs show the company's name instead."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    previous, stored = (tenant.logo.name if tenant.logo else ""), tenant.logo.storage
    tenant.logo = ""
    tenant.logo_type = ""
    tenant.save(update_fields=["logo", "logo_type"])
    transaction.on_commit(lambda: _delete_file(stored, previous))
    return tenant


def _delete_file(storage, name: str) -> None:
    if name:
        storage.delete(name)


MAX_SERVICE_AREA_ENTRY = 40


def set_service_area(tenant: Tenant, *, service_area: str) -> Tenant:
    """Set only the company's service area (postcode prefixes and towns), tidied as the settings page does."""
    tenant.service_area = _tidy_service_area(service_area)
    Tenant.objects.filter(pk=tenant.pk).update(service_area=tenant.service_area)
    return tenant


def _tidy_service_area(text: str) -> str:
    entries: list[str] = []
    for line in text.splitlines():
        for entry in line.split(","):
            entry = " ".join(entry.split())
            if len(entry) > MAX_SERVICE_AREA_ENTRY:
                raise ValidationError(
                    {"service_area": f"“{entry[:20]}…” is too long for a postcode or town name."}
                )
            if entry and entry.casefold() not in {e.casefold() for e in entries}:
                entries.append(entry)
    return "\n".join(entries)


def set_two_factor_requirement(tenant: Tenant, *, required: bool) -> Tenant:
    """Whether the company's staff must sign in with an authenticator app (enforced on every request by
    ``tenants.middleware.TwoFactorRequiredMiddleware``)."""
    Tenant.objects.filter(pk=tenant.pk).update(require_two_factor=required)
    tenant.require_two_factor = required
    return tenant


# --- Cost rates -------------------------------------------------------------------------------------

MAX_COST_RATE = Decimal("10000.00")
EARLIEST_COST_RATE_DAY = date(2000, 1, 1)
COST_RATE_DAYS_AHEAD = 366


def _cost_rate_amount(value) -> Decimal:
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"rate": "Enter the cost of an hour as a number, e.g. 42.50."}) from None
    if not rate.is_finite():
        raise ValidationError({"rate": "Enter the cost of an hour as a number, e.g. 42.50."})
    if rate < 0:
        raise ValidationError({"rate": "A cost rate cannot be negative."})
    if rate > MAX_COST_RATE:
        raise ValidationError({"rate": f"A cost rate is at most {MAX_COST_RATE:,} an hour."})
    if rate != rate.quantize(Decimal("0.01")):
        raise ValidationError({"rate": "A cost rate has at most two decimals (cents)."})
    return rate.quantize(Decimal("0.01"))


@transaction.atomic
def record_cost_rate(
    membership: StaffMembership, *, rate, effective_from: date, set_by=None, note: str = "", now=None
) -> CostRate:
    """Add a change to the person's cost-rate history (validated: 0 to MAX_COST_RATE, in cents; a day
    from 2000 up to a year ahead of the tenant's today). Only writes the history: use
    ``tickets.services.set_cost_rate``, which also re-values the time entries the change reaches."""
    now = now or timezone_now()
    rate = _cost_rate_amount(rate)
    if not isinstance(effective_from, date):
        raise ValidationError({"effective_from": "Choose the first day the rate applies to."})
    today = tenant_localtime(now, membership.tenant).date()
    if effective_from < EARLIEST_COST_RATE_DAY:
        raise ValidationError({"effective_from": "Choose a day from 1 January 2000 on."})
    if effective_from > today + timedelta(days=COST_RATE_DAYS_AHEAD):
        raise ValidationError({"effective_from": "Choose a day at most a year ahead."})
    return CostRate.objects.create(
        tenant_id=membership.tenant_id,
        membership=membership,
        rate=rate,
        effective_from=effective_from,
        note=(note or "").strip()[:200],
        set_by=set_by,
        set_at=now,
    )
