"""Referrals, both ways.

The integrator as a hub: each client's ``ReferralProfile`` (what they sell, to whom, where, what they
need), ``Prospect`` rows for people sales met who are not clients, and ``Introduction`` rows: staff
introduce a client to another client or a prospect who could buy from them, and follow the outcome.

Inbound: a client refers someone to the integrator (``Referral``). When that person becomes a client and
signs their first agreement, the referrer is credited once (the tenant's ``ReferralProgram`` amount).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from rewards.models.ledger import MONEY
from tenants.models import TenantOwned


class ReferralProgram(TenantOwned):
    """The tenant's referral program: what a referrer is credited when their referral signs."""

    is_active = models.BooleanField(default=True, help_text="Off: signed referrals earn no credit.")
    credit_amount = models.DecimalField(
        **MONEY, default=Decimal("250.00"), help_text="Credited to the referrer when the referral signs."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant"], name="one_referral_program_per_tenant"),
            models.CheckConstraint(condition=Q(credit_amount__gt=0), name="referral_credit_above_zero"),
        ]


class ReferralProfile(TenantOwned):
    """What a client does and needs, in words staff (or the client) write: what matching reads."""

    client = models.OneToOneField("clients.Client", on_delete=models.CASCADE, related_name="referral_profile")
    industry = models.CharField(max_length=120, blank=True, help_text="e.g. 'Dental practice'.")
    sells = models.CharField(max_length=300, blank=True, help_text="What they sell or do for customers.")
    target_customers = models.CharField(
        max_length=300, blank=True, help_text="Who they want as customers (industries, kinds of people)."
    )
    area = models.CharField(max_length=120, blank=True, help_text="Where they work, e.g. 'Portland metro'.")
    needs = models.CharField(max_length=300, blank=True, help_text="What they buy or are looking for.")
    open_to_introductions = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"Referral profile of {self.client}"


class Prospect(TenantOwned):
    """Someone sales met who is not a client (yet): enough to introduce them to a client."""

    name = models.CharField(max_length=160)
    company = models.CharField(max_length=160, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    industry = models.CharField(max_length=120, blank=True)
    area = models.CharField(max_length=120, blank=True)
    needs = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    met_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-met_on", "-id"]
        indexes = [models.Index(fields=["tenant", "met_on"], name="prospect_met_idx")]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"{self.name} ({self.company})" if self.company else self.name


class IntroductionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    INTRODUCED = "introduced", "Introduced"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Introduction(TenantOwned):
    """Staff put ``client`` (who sells) in touch with a client or a prospect who could buy from them.

    For the client it is business we sent them; for a client introduced as the buyer it is someone we
    found for what they need."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="introductions")
    to_client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="introduced_to"
    )
    to_prospect = models.ForeignKey(
        Prospect, on_delete=models.PROTECT, null=True, blank=True, related_name="introductions"
    )
    reason = models.CharField(max_length=400, help_text="Why they should meet.")
    status = models.CharField(
        max_length=12, choices=IntroductionStatus.choices, default=IntroductionStatus.PROPOSED
    )
    value = models.DecimalField(**MONEY, null=True, blank=True, help_text="Business won, if known.")
    proposed_on = models.DateField()
    introduced_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    proposed_by = models.CharField(max_length=200)
    outcome_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-proposed_on", "-id"]
        indexes = [
            models.Index(fields=["tenant", "client"], name="introduction_client_idx"),
            models.Index(fields=["tenant", "to_client"], name="introduction_to_client_idx"),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.CheckConstraint(
                condition=Q(to_client__isnull=True) ^ Q(to_prospect__isnull=True),
                name="introduction_to_one_party",
            ),
            models.CheckConstraint(condition=~Q(client=models.F("to_client")), name="introduction_not_self"),
        ]

    @property
    def party(self):
        return self.to_client or self.to_prospect


class ReferralStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    SIGNED = "signed", "Signed"
    LOST = "lost", "Lost"
    DUPLICATE = "duplicate", "Referred before"  # someone else referred this person first


OPEN_REFERRAL = (ReferralStatus.NEW, ReferralStatus.CONTACTED)


class Referral(TenantOwned):
    """A client (``referrer``) sent someone our way. ``contact_key`` (the email, else the phone's digits)
    names the person: the first referral of a person counts, a later one by anyone is a duplicate."""

    referrer = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="referrals_made")
    name = models.CharField(max_length=160)
    company = models.CharField(max_length=160, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    contact_key = models.CharField(max_length=254)
    status = models.CharField(max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.NEW)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_by",
        help_text="The client the referred person became.",
    )
    source = models.CharField(max_length=10, choices=[("portal", "Portal"), ("staff", "Staff")])
    recorded_by = models.CharField(max_length=200)
    referred_on = models.DateField()
    contacted_on = models.DateField(null=True, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    lost_on = models.DateField(null=True, blank=True)
    lost_reason = models.CharField(max_length=300, blank=True)
    reward = models.OneToOneField(
        "rewards.Reward", on_delete=models.PROTECT, null=True, blank=True, related_name="referral"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-referred_on", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status"], name="referral_status_idx"),
            models.Index(fields=["tenant", "referrer"], name="referral_referrer_idx"),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            # Race-safe "first referral wins": one counting referral per person.
            models.UniqueConstraint(
                fields=["tenant", "contact_key"],
                condition=Q(duplicate_of__isnull=True),
                name="referral_first_per_person",
            ),
            models.UniqueConstraint(
                fields=["tenant", "client"],
                condition=Q(client__isnull=False),
                name="referral_one_per_new_client",
            ),
            models.CheckConstraint(condition=~Q(referrer=models.F("client")), name="referral_not_self"),
        ]

    def __str__(self):
        return f"{self.name} referred by {self.referrer}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL

    @property
    def reward_key(self) -> str:
        return f"referral-{self.pk}"
