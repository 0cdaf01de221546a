from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from tenants.history import label_from, track_history
from tenants.models import TenantOwned, validate_timezone
from tenants.trigram import tenant_trigram_index


class Archivable(models.Model):
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


@track_history(object_type="Client", label=label_from("name"), exclude=["updated_at"])
class Client(TenantOwned, Archivable):
    """A customer of the tenant: a household or a business."""

    name = models.CharField(max_length=160)
    email = models.EmailField(blank=True, help_text="Main address for notices and invoices.")
    phone = models.CharField(max_length=40, blank=True)
    managed_endpoints = models.PositiveIntegerField(
        default=0, help_text="Devices under management; utilisation is tickets per endpoint."
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [Lower("name")]
        indexes = [
            models.Index("tenant", Lower("name"), name="client_tenant_name_idx"),
            tenant_trigram_index("name", name="client_tenant_name_trgm_idx"),
            tenant_trigram_index("email", name="client_tenant_email_trgm_idx"),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                "tenant",
                Lower("name"),
                condition=models.Q(archived_at__isnull=True),
                name="client_name_unique_per_tenant",
                violation_error_message="Another active client already has this name.",
            ),
        ]

    def __str__(self):
        return self.name


@track_history(object_type="Contact", label=label_from("full_name", "email"), exclude=["updated_at"])
class Contact(TenantOwned, Archivable):
    """A person at a client. Signers can sign service contracts for the client."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    full_name = models.CharField(max_length=160)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    job_title = models.CharField(max_length=120, blank=True)
    is_primary = models.BooleanField(default=False, help_text="The first person to call.")
    can_sign = models.BooleanField(default=False, help_text="May sign service contracts for the client.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_primary", Lower("full_name")]
        indexes = [
            models.Index(fields=["tenant", "client"], name="contact_tenant_client_idx"),
            tenant_trigram_index("full_name", name="contact_tenant_name_trgm_idx"),
            tenant_trigram_index("email", name="contact_tenant_email_trgm_idx"),
        ]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return self.full_name

    def clean(self):
        if self.can_sign and not self.email:
            raise ValidationError({"email": "A signer needs an email address: contracts are sent by email."})


class ServiceArea(models.TextChoices):
    """Where a site lies against the company's service area (Tenant.service_area)."""

    BY_POSTCODE = "by_postcode", "Decide from its postcode and town"
    INSIDE = "inside", "Inside the service area"
    OUTSIDE = "outside", "Outside the service area"


@track_history(object_type="Site", label=label_from("name"), exclude=["updated_at"])
class Site(TenantOwned, Archivable):
    """A place where a client's systems are installed and on-site work happens."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=160)
    address_line1 = models.CharField("Address", max_length=200)
    address_line2 = models.CharField("Address (line 2)", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("State / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166 code.")
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    travel_minutes = models.PositiveIntegerField(
        default=30, help_text="Typical one-way travel time from the shop, for on-site targets."
    )
    service_area = models.CharField(
        "Service area",
        max_length=12,
        choices=ServiceArea.choices,
        default=ServiceArea.BY_POSTCODE,
        db_default=ServiceArea.BY_POSTCODE,  # rows written in SQL (imports, benchmarks) need not name it
        help_text="Whether travel to this site is inside the company's service area (its postcodes and "
        "towns are in the company settings).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [Lower("name")]
        indexes = [
            models.Index(fields=["tenant", "client"], name="site_tenant_client_idx"),
            tenant_trigram_index("name", name="site_tenant_name_trgm_idx"),
            tenant_trigram_index("address_line1", name="site_tenant_address_trgm_idx"),
            tenant_trigram_index("city", name="site_tenant_city_trgm_idx"),
        ]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return self.name

    def clean(self):
        self.country = (self.country or "").upper()

    @property
    def one_line_address(self) -> str:
        parts = [self.address_line1, self.address_line2, self.city, self.region, self.postal_code]
        return ", ".join(part for part in parts if part)
