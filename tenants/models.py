import functools
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django_scopes import ScopedManager

from tenants.branding import logo_path
from tenants.grants import AppendOnly
from tenants.history import label_from, track_history
from tenants.rls import RowLevelSecurity
from tenants.roles import Role


@functools.cache
def known_timezones() -> frozenset[str]:
    """The IANA zones on disk, read once: listing them walks the zone files (milliseconds a call), which a
    10,000-row import would pay per row."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (use an IANA name such as Europe/London).")


# The company's settings, in the tenant's own history (tenant_id = the row's id). Only changes made inside
# that tenant's scope (its settings page) or by a role past RLS (cross_tenant) are recorded: creating a
# tenant, or a script touching one outside any scope, could not write the history row under RLS.
@track_history(
    object_type="Company settings",
    label=label_from("name"),
    tenant_column="id",
    condition="{row}.id = app_current_tenant() OR pg_has_role(current_user, 'accord_cross_tenant', 'MEMBER')",
)
class Tenant(models.Model):
    """An integrator or managed-service provider: the company that uses Accord."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code, e.g. USD, EUR, GBP.")
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166 code, for public holidays.")
    subdivision = models.CharField(
        max_length=10, blank=True, help_text="State, province or region code for public holidays, e.g. NY."
    )
    reply_to_email = models.EmailField(
        "Reply-to address",
        blank=True,
        help_text="Where clients' answers to Accord's emails go, e.g. support@yourcompany.com.",
    )
    brand_colour = models.CharField(
        "Brand colour",
        max_length=7,
        blank=True,
        db_default="",  # rows written in SQL (benchmarks, imports) need not name it
        help_text="#rrggbb; empty: Accord's blue. Set through tenants.services.update_branding.",
    )
    logo = models.FileField(upload_to=logo_path, max_length=300, blank=True, db_default="")
    logo_type = models.CharField(
        max_length=20, blank=True, db_default="", help_text="image/png, image/jpeg..."
    )
    require_two_factor = models.BooleanField(
        "Require two-step sign-in",
        default=False,
        db_default=False,  # rows written in SQL (benchmarks, imports) need not name it
        help_text="Staff without an authenticator app are sent to set one up before they can go on.",
    )
    require_email_code = models.BooleanField(
        "Ask signers for an emailed code",
        default=True,
        db_default=True,
        help_text="Before signing, a signer types a one-time code sent to their email address.",
    )
    email_code_above_fee = models.DecimalField(
        "Above a monthly fee of",
        max_digits=10,
        decimal_places=2,
        default=0,
        db_default=0,
        help_text="The code is asked for agreements whose monthly fee is above this amount.",
    )
    service_area = models.TextField(
        "Service area",
        blank=True,
        default="",
        db_default="",  # rows written in SQL (benchmarks, imports) need not name it
        help_text="Postcode prefixes and town names inside the standard service area, one per line or "
        "separated by commas, e.g. 105, 10601, Rye. Read by clients.selectors.site_area.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        import holidays

        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValidationError({"country": f"No public-holiday calendar for country {self.country!r}."})
        if self.subdivision and self.subdivision not in supported[self.country]:
            raise ValidationError(
                {"subdivision": f"{self.subdivision!r} is not a subdivision of {self.country}."}
            )


def tenant_key(**options) -> models.ForeignKey:
    """``TenantOwned.tenant``, for a model that overrides it with ``options``: ``db_index=False`` where its
    tenant-leading indexes serve every lookup by tenant (an index less to write per row);
    ``db_constraint=False`` where a tenant-inclusive foreign key to a tenant-owned parent, added by a
    migration, vouches for the tenant (one check less per row at commit)."""
    return models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", **options)


class TenantOwned(models.Model):
    """Base of every tenant-owned table: a tenant_id, a scoped manager and the RLS policy."""

    tenant = tenant_key()

    objects = ScopedManager(tenant="tenant")

    class Meta:
        abstract = True
        # Also what Django loads a row by its key with (``ticket.client``, ``refresh_from_db``, the UPDATE
        # of ``save()``, the deletion collector): those queries too say ``tenant_id = X`` and lead with the
        # tenant's indexes, and fail loudly outside a tenant's scope. Children with a Meta of their own
        # inherit it too (Options.base_manager asks the first parent).
        base_manager_name = "objects"
        constraints = [RowLevelSecurity(name="%(app_label)s_%(class)s_rls")]


# Invitations (a new membership), role changes and removals; the audit log names the person by user_id.
@track_history(object_type="Staff member", label=label_from("user_id"))
class StaffMembership(TenantOwned):
    """A user's place on a tenant's staff, with one role."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__email"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "user"], name="one_membership_per_user_and_tenant"),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) at tenant {self.tenant_id}"

    def can(self, permission: str) -> bool:
        from tenants.roles import has_permission

        return self.is_active and has_permission(self.role, permission)


class CostRate(TenantOwned):
    """What an hour of a staff member costs from a day on: one row per change, never edited.

    The rate in force on a day is the latest row effective on or before it (of two set for the same day,
    the one set last); before a person's first row, that first rate applies. ``tenants.selectors`` reads
    it, ``tickets.services.set_cost_rate`` writes it (and re-values the time entries it changes).
    """

    membership = models.ForeignKey(StaffMembership, on_delete=models.CASCADE, related_name="cost_rates")
    rate = models.DecimalField(
        max_digits=8, decimal_places=2, help_text="Per hour, in the company's currency."
    )
    effective_from = models.DateField(help_text="The first day (company time) the rate applies to.")
    note = models.CharField(max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["-effective_from", "-set_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "membership", "effective_from"], name="cost_rate_member_day_idx")
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.CheckConstraint(condition=models.Q(rate__gte=0), name="cost_rate_not_negative"),
        ]

    def __str__(self):
        return f"{self.rate} from {self.effective_from}"


class SigningIdentitySource(models.TextChoices):
    SELF_ISSUED = "self_issued", "Issued by Accord"
    UPLOADED = "uploaded", "Uploaded (PKCS#12)"


class SigningIdentity(TenantOwned):
    """The key and certificate that seal the tenant's signed PDFs (PAdES). One is current (``retired_at``
    empty); replaced ones are kept, so PDFs sealed with them still verify. The private key is stored
    encrypted (tenants.key_encryption); ``tenants.signing_identities`` creates, replaces and reads them.
    Never deleted or rewritten (its guard in migration 0010 lets only the retirement through).
    """

    append_only = AppendOnly(guarded=True)  # tenants/grants.py: finished rows refused by a guard

    source = models.CharField(max_length=20, choices=SigningIdentitySource.choices)
    certificate = models.BinaryField(help_text="The signing certificate, DER.")
    chain_pem = models.TextField(blank=True, help_text="Certificates above it (PEM), as uploaded.")
    encrypted_private_key = models.BinaryField()
    fingerprint_sha256 = models.CharField(max_length=64)
    subject = models.CharField(max_length=500)
    issuer = models.CharField(max_length=500)
    not_valid_before = models.DateTimeField()
    not_valid_after = models.DateTimeField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "fingerprint_sha256"], name="signing_identity_print_idx")]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(retired_at__isnull=True),
                name="one_current_signing_identity_per_tenant",
            ),
        ]

    def __str__(self):
        return f"{self.subject} ({self.fingerprint_sha256[:16]})"
