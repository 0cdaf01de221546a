"""Service contracts: versioned templates (ToS + SLA + coverage + rates), agreements per client and
term, signatures with their audit trail, signing campaigns and renewal reminders.

A published version never changes: a database trigger refuses updates and deletes of published rows
(django-pgtrigger), whatever path the write takes. Drafts stay editable.
"""

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, BigIntegerRangeField, DateRangeField, RangeOperators
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value

from accounts.actors import ACTOR_MAX_LENGTH
from clients.models import Client, Contact
from tenants.grants import AppendOnly
from tenants.history import label_from, track_history
from tenants.models import TenantOwned
from tenants.trigram import tenant_trigram_index


class TemplateKind(models.TextChoices):
    SERVICE_CONTRACT = "service_contract", "Service contract (ToS + SLA)"
    SUPPLEMENT = "supplement", "Supplement (amendment to a signed contract)"


@track_history(object_type="Contract template", label=label_from("name"))
class ContractTemplate(TenantOwned):
    """A document the tenant asks clients to sign, in successive versions."""

    name = models.CharField(max_length=120)
    kind = models.CharField(
        max_length=20, choices=TemplateKind.choices, default=TemplateKind.SERVICE_CONTRACT
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "name"], name="contract_template_name_unique_per_tenant"
            ),
        ]

    def __str__(self):
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


@track_history(object_type="Contract version", label=lambda d: f"{d.get('title')} v{d.get('number')}")
@pgtrigger.register(
    pgtrigger.Protect(
        name="published_versions_never_change",
        operation=pgtrigger.Update | pgtrigger.Delete,
        condition=pgtrigger.Q(old__status="published"),
    )
)
class ContractVersion(TenantOwned):
    """One version of a template. Markdown with merge fields ({{ client_name }}, {{ tier }},
    {{ sla_table }}, …) rendered to safe HTML. ``coverage`` says what is covered and what is billable:
    ``[{"category": "hardware"|"software"|"", "work_type": "…"|"", "covered": bool, "note": "…"}]``
    (first matching rule wins; see contracts/coverage.py)."""

    append_only = AppendOnly(guarded=True)  # tenants/grants.py: finished rows refused by a guard

    template = models.ForeignKey(ContractTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    title = models.CharField(max_length=200)
    terms_markdown = models.TextField("Terms of service", help_text="Markdown with merge fields.")
    sla_markdown = models.TextField("Service level agreement", blank=True, help_text="Use {{ sla_table }}.")
    coverage = models.JSONField(default=list, blank=True)
    hourly_rate_remote = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    hourly_rate_onsite = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    after_hours_multiplier = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1.50"))
    billing_terms = models.TextField(blank=True, help_text="e.g. 'Invoiced monthly, due in 15 days.'")
    term_months = models.PositiveSmallIntegerField(default=12, validators=[MinValueValidator(1)])
    auto_renew = models.BooleanField(default=True)
    notice_days = models.PositiveSmallIntegerField(
        default=30, help_text="Notice needed to stop auto-renewal."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(  # PROTECT: nulling it would be an update of a published row
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["template", "-number"]
        indexes = [tenant_trigram_index("title", name="version_tenant_title_trgm_idx")]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "template", "number"], name="one_version_number_per_template"
            ),
        ]

    def __str__(self):
        return f"{self.template} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    SIGNED = "signed", "Signed"
    ACTIVE = "active", "Active"
    EXPIRING = "expiring", "Expiring"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"
    DECLINED = "declined", "Declined"
    SUPERSEDED = "superseded", "Superseded"


# An agreement in one of these counts as "the client has a signed service contract".
IN_FORCE = (AgreementStatus.SIGNED, AgreementStatus.ACTIVE, AgreementStatus.EXPIRING)


class Agreement(TenantOwned):
    """One client's agreement for one term on one published version (a supplement: an amendment
    attached to its parent agreement)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="agreements")
    version = models.ForeignKey(ContractVersion, on_delete=models.PROTECT, related_name="agreements")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supplements",
        help_text="For a supplement: the agreement it amends.",
    )  # fmt: skip
    renewed_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals"
    )
    status = models.CharField(max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    auto_renew = models.BooleanField(default=True)
    declined_reason = models.TextField(blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The newer agreement sent to the client in place of this unsigned one.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "client", "status"], name="agreement_client_status_idx"),
            models.Index(fields=["tenant", "status", "ends_on"], name="agreement_status_end_idx"),
            # The staff list's keyset pages, most recently changed first.
            models.Index(fields=["tenant", "-updated_at", "-id"], name="agreement_tenant_updated_idx"),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            # One service agreement in force per client and term, whatever path the write takes. Both
            # columns as ranges, so plain GiST serves (no btree_gist); a term without dates is open-ended.
            ExclusionConstraint(
                name="agreement_one_in_force_per_term",
                expressions=[
                    (
                        Func(
                            F("client"),
                            F("client"),
                            Value("[]"),
                            function="int8range",
                            output_field=BigIntegerRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                    (
                        Func(
                            F("starts_on"),
                            F("ends_on"),
                            Value("[]"),
                            function="daterange",
                            output_field=DateRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(parent__isnull=True, status__in=[str(s) for s in IN_FORCE]),
            ),
        ]

    def __str__(self):
        return f"{self.client} · {self.version}"

    @property
    def is_in_force(self) -> bool:
        return self.status in IN_FORCE


class AgreementEvent(TenantOwned):
    """The agreement's history: every status change and send, who did it and when."""

    append_only = AppendOnly()  # tenants/grants.py: SELECT and INSERT only

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    actor = models.CharField(
        max_length=ACTOR_MAX_LENGTH, blank=True, help_text="Who did it, as accounts.actors.actor_label says."
    )
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"{self.kind} {self.from_status}->{self.to_status}"


class Signature(TenantOwned):
    """Who signed (or declined) what, from where, with the SHA-256 of exactly the document shown."""

    append_only = AppendOnly(guarded=True)  # tenants/grants.py: finished rows refused by a guard

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signatures")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="signatures")
    signer_name = models.CharField(max_length=200, blank=True, help_text="As typed by the signer.")
    signer_email = models.EmailField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    consent_text = models.TextField(blank=True)
    document_html = models.TextField(blank=True, help_text="Exactly the document shown when signing.")
    document_sha256 = models.CharField(max_length=64, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    # The signature as drawn on the page (a PNG, checked by contracts.signature_images), beside the typed
    # name; empty when the signer typed only.
    drawn_signature = models.BinaryField(null=True, blank=True, editable=False)
    # When the signer proved control of ``signer_email`` with a one-time code; empty when none was asked.
    email_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        indexes = [
            models.Index(fields=["tenant", "document_sha256"], name="signature_document_hash_idx"),
            models.Index(fields=["tenant", "pdf_sha256"], name="signature_pdf_hash_idx"),
            # The public verify page looks a hash up before it knows the tenant.
            models.Index(fields=["pdf_sha256"], name="signature_pdf_hash_any_idx"),
            models.Index(fields=["document_sha256"], name="signature_doc_hash_any_idx"),
        ]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"{self.signer_name or self.signer_email} · {self.agreement}"


class SignerStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for an earlier signer"
    INVITED = "invited", "Invited to sign"
    SIGNED = "signed", "Signed"
    DECLINED = "declined", "Declined"


class Signer(TenantOwned):
    """One person asked to sign an agreement, in a given order (equal orders sign in parallel): the
    agreement is signed once every signer has. An agreement without signers keeps the older rule: any
    contact of the client who may sign signs it alone. The evidence is the Signature row it points at;
    this row is the plan and its progress (contracts/signers.py writes it)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signers")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    role = models.CharField(max_length=80, blank=True, help_text="e.g. Owner, Finance lead.")
    order = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=SignerStatus.choices, default=SignerStatus.WAITING)
    email_code_required = models.BooleanField(default=False)
    # The one-time code: only its HMAC is kept, valid for a few minutes and a few attempts.
    code_hash = models.CharField(max_length=64, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    signature = models.ForeignKey(
        Signature, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "agreement", "contact"], name="one_signer_per_contact"),
        ]

    def __str__(self):
        return f"{self.name} ({self.role})" if self.role else self.name


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENDING = "sending", "Sending"
    OPEN = "open", "Open (in grace period)"
    CLOSED = "closed", "Closed (grace period over)"


class Campaign(TenantOwned):
    """An email campaign asking clients to sign a published version by a deadline."""

    name = models.CharField(max_length=150)
    version = models.ForeignKey(ContractVersion, on_delete=models.PROTECT, related_name="campaigns")
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    message = models.TextField(blank=True, help_text="A personal note at the top of every email.")
    grace_deadline = models.DateField(help_text="After this day, unsigned clients get basic triage only.")
    reminder_days = ArrayField(
        models.PositiveSmallIntegerField(), default=list, blank=True,
        help_text="Days before the deadline to remind those who have not signed, e.g. 7, 3, 1.",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return self.name


class RecipientStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    OPENED = "opened", "Opened"
    SIGNED = "signed", "Signed"
    DECLINED = "declined", "Declined"
    BOUNCED = "bounced", "Bounced"


class CampaignRecipient(TenantOwned):
    """One signer of one client in a campaign, with the agreement they are asked to sign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="campaign_recipients")
    status = models.CharField(max_length=10, choices=RecipientStatus.choices, default=RecipientStatus.QUEUED)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)

    class Meta:
        ordering = ["client__name"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "campaign", "contact"], name="one_recipient_per_contact"
            ),
        ]

    def __str__(self):
        return f"{self.contact} in {self.campaign}"


class ClientStanding(TenantOwned):
    """Whether a client is held to basic triage for not signing, and since when (enforcement)."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="contract_standing")
    basic_triage_only = models.BooleanField(default=False)
    since = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"{self.client}: {'basic triage only' if self.basic_triage_only else 'in good standing'}"


class RenewalReminder(TenantOwned):
    """A renewal reminder sent for one agreement at one threshold: sent once, even if the task runs twice."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="renewal_reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "agreement", "days_before"], name="one_renewal_reminder_per_threshold"
            ),
        ]


class EmailLog(TenantOwned):
    """Every email Accord sends for a tenant: to whom, what, about which object, and how it went."""

    to = models.EmailField()
    subject = models.CharField(max_length=250)
    template = models.CharField(max_length=120)
    related_kind = models.CharField(max_length=40, blank=True)
    related_id = models.BigIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, default="sent")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["tenant", "related_kind", "related_id"], name="emaillog_related_idx")]
        constraints = [*TenantOwned.Meta.constraints]
