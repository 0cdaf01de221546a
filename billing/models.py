"""Invoices, credit notes, payments, account credit and proration charges.

An issued invoice never changes: a trigger refuses any write to it other than its status and the
running totals of what has been paid and credited, and any write to its lines. Corrections are credit
notes, in their own gapless series. Each billable thing can be invoiced once, by construction: a plan
period, a time entry, a proration charge and an account-credit grant each have a unique line.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from tenants.grants import AppendOnly
from tenants.models import TenantOwned

MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0.00")


class BillingAccount(TenantOwned):
    """How one client is billed: its tax rate (else the tenant's) and where invoices go."""

    client = models.OneToOneField("clients.Client", on_delete=models.CASCADE, related_name="billing_account")
    tax_rate_percent = models.DecimalField(
        max_digits=5, decimal_places=3, null=True, blank=True, help_text="Empty: the company's rate."
    )
    invoice_email = models.EmailField(blank=True, help_text="Empty: the client's main address.")
    timezone = models.CharField(max_length=64, blank=True, help_text="Empty: the company's time zone.")

    class Meta:
        constraints = [*TenantOwned.Meta.constraints]


class BillingSettings(TenantOwned):
    """The tenant's billing defaults."""

    tax_rate_percent = models.DecimalField(max_digits=5, decimal_places=3, default=Decimal("0"))
    tax_label = models.CharField(max_length=40, default="Tax")
    payment_terms_days = models.PositiveSmallIntegerField(default=14)
    run_hour = models.PositiveSmallIntegerField(
        default=6, help_text="Local hour the daily billing run starts."
    )
    invoice_footer = models.TextField(blank=True, help_text="Printed on every invoice, e.g. how to pay.")
    # How the accounting export codes lines for the bookkeeper's tool (reports/views_accounting.py). The
    # defaults are what a new Xero or QuickBooks Online company starts with.
    membership_account_code = models.CharField(
        max_length=20, default="200", help_text="Xero account code for memberships, riders and proration."
    )
    labour_account_code = models.CharField(
        max_length=20, default="200", help_text="Xero account code for labour and adjustments."
    )
    xero_tax_type = models.CharField(
        max_length=60, default="Tax on Sales", help_text="Xero tax rate name for taxable lines."
    )
    xero_exempt_tax_type = models.CharField(
        max_length=60, default="Tax Exempt", help_text="Xero tax rate name for lines without tax."
    )
    qbo_tax_code = models.CharField(
        max_length=30, default="TAX", help_text="QuickBooks Online tax code for taxable lines."
    )
    qbo_exempt_tax_code = models.CharField(
        max_length=30, default="NON", help_text="QuickBooks Online tax code for lines without tax."
    )

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant"], name="one_billing_settings_per_tenant"),
        ]


class DocumentSeries(TenantOwned):
    """A gapless counter: the next number is taken under a row lock in the transaction that issues."""

    series = models.CharField(max_length=10)  # "INV" or "CN"
    last_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "series"], name="one_counter_per_series"),
        ]


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    PARTLY_PAID = "partly_paid", "Partly paid"
    PAID = "paid", "Paid"
    VOID = "void", "Void"
    DISPUTED = "disputed", "Disputed"


class InvoiceKind(models.TextChoices):
    SUBSCRIPTION = "subscription", "Membership period"
    LABOUR = "labour", "Labour and adjustments"


class Invoice(TenantOwned):
    append_only = AppendOnly(guarded=True)  # tenants/grants.py: finished rows refused by a guard

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=15, choices=InvoiceKind.choices)
    subscription = models.ForeignKey(
        "memberships.Subscription", on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    sequence = models.PositiveIntegerField(
        null=True, blank=True, help_text="Gapless per tenant; set on issue."
    )
    number = models.CharField(max_length=20, blank=True)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(**MONEY, default=ZERO)
    tax_rate_percent = models.DecimalField(max_digits=5, decimal_places=3, default=Decimal("0"))
    tax_label = models.CharField(max_length=40, default="Tax")
    tax = models.DecimalField(**MONEY, default=ZERO)
    total = models.DecimalField(**MONEY, default=ZERO)
    amount_paid = models.DecimalField(**MONEY, default=ZERO)
    amount_credited = models.DecimalField(**MONEY, default=ZERO)
    issued_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    bill_to_name = models.CharField(max_length=160, blank=True)
    bill_to_email = models.EmailField(blank=True)
    footer = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_on", "-sequence", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status", "issued_on"], name="invoice_status_issued_idx"),
            models.Index(fields=["tenant", "client", "issued_on"], name="invoice_client_issued_idx"),
            # A period's invoices whatever their status (reports, the dispute rate, the accounting export)
            models.Index(fields=["tenant", "issued_on"], name="invoice_issued_idx"),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "sequence"], name="invoice_sequence_unique_per_tenant"),
            models.UniqueConstraint(
                fields=["subscription", "period_start"],
                condition=Q(kind="subscription"),
                name="membership_period_invoiced_once",
            ),
            models.UniqueConstraint(
                fields=["client", "period_start"],
                condition=Q(kind="labour"),
                name="labour_period_invoiced_once",
            ),
            models.CheckConstraint(
                condition=Q(status="draft", sequence__isnull=True, number="")
                | (~Q(status="draft") & Q(sequence__isnull=False, issued_on__isnull=False) & ~Q(number="")),
                name="issued_invoices_are_numbered_drafts_are_not",
            ),
            models.CheckConstraint(
                condition=Q(subscription__isnull=False) | ~Q(kind="subscription"),
                name="membership_invoice_has_subscription",
            ),
        ]

    def __str__(self):
        return self.number or f"Draft invoice {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def balance(self) -> Decimal:
        return self.total - self.amount_paid - self.amount_credited


class LineKind(models.TextChoices):
    PLAN = "plan", "Membership"
    RIDER = "rider", "Rider"
    PRORATION = "proration", "Proration"
    LABOUR = "labour", "Labour"
    CREDIT = "credit", "Account credit"
    ADJUSTMENT = "adjustment", "Adjustment"


class InvoiceLine(TenantOwned):
    append_only = AppendOnly(guarded=True)  # tenants/grants.py: finished rows refused by a guard

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=LineKind.choices)
    description = models.CharField(max_length=400)
    detail = models.CharField(max_length=400, blank=True, help_text="Why: the ticket, the rate, the rule.")
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    quantity = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("1"))
    unit_price = models.DecimalField(**MONEY, default=ZERO)
    amount = models.DecimalField(**MONEY)
    taxable = models.BooleanField(default=True)
    subscription = models.ForeignKey(
        "memberships.Subscription", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan = models.ForeignKey(
        "memberships.Plan", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    time_entry = models.OneToOneField(
        "tickets.TimeEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_line"
    )
    charge = models.OneToOneField(
        "billing.ProrationCharge",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_line",
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            # The amounts of a period's invoices from the index alone (profitability sums them): a nested
            # loop over the period's invoices instead of a scan of every line ever issued.
            models.Index(
                fields=["invoice"], include=["tenant", "kind", "amount"], name="invoice_line_amounts_idx"
            ),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["subscription", "plan", "period_start"],
                condition=Q(kind__in=["plan", "rider"]),
                name="plan_period_on_one_line",
            ),
        ]

    def __str__(self):
        return self.description


class ProrationCharge(TenantOwned):
    """What a mid-period change costs or gives back, billed on the client's next invoice."""

    subscription = models.ForeignKey(
        "memberships.Subscription", on_delete=models.PROTECT, related_name="charges"
    )
    change = models.ForeignKey(
        "memberships.SubscriptionChange", on_delete=models.PROTECT, related_name="charges"
    )
    plan = models.ForeignKey("memberships.Plan", on_delete=models.PROTECT, related_name="+")
    on = models.DateField()
    period_start = models.DateField()
    period_end = models.DateField()
    description = models.CharField(max_length=300)
    amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        constraints = [*TenantOwned.Meta.constraints]


class ClientLabourDiscount(TenantOwned):
    """A percentage off one type of a client's billable work from ``starts_on`` until ``ends_on``
    (exclusive; open when null), granted by a program above billing (e.g. rewards' best practices).

    One open discount per (client, work type, source): ``services.set_labour_discount`` ends it and
    starts the next. The billing run applies every discount in force on the day of the work, on top of
    the membership tier's labour discount (see ``billing.run_plan``).
    """

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="labour_discounts")
    work_type = models.CharField(max_length=20)
    percent = models.DecimalField(max_digits=5, decimal_places=2)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Exclusive.")
    reason = models.CharField(
        max_length=200, help_text="As the invoice line names it: 'Best practices Gold'."
    )
    source = models.CharField(max_length=40, help_text="Who grants it: 'best_practices'.")
    actor = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "work_type", "starts_on", "id"]
        indexes = [
            models.Index(
                fields=["tenant", "client", "work_type", "starts_on"], name="labour_discount_client_idx"
            )
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100), name="labour_discount_percent_range"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=models.F("starts_on")),
                name="labour_discount_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["tenant", "client", "work_type", "source"],
                condition=Q(ends_on__isnull=True),
                name="one_open_labour_discount_per_source",
            ),
        ]

    def __str__(self):
        return f"{self.reason} −{self.percent}%"

    def in_force_on(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


class CreditEntry(TenantOwned):
    """The client's account-credit ledger: grants (positive, e.g. a reward) and what invoices used
    (negative, one entry per invoice line). The balance is the sum."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="credit_entries")
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=300)
    source = models.CharField(max_length=40, help_text="Who granted it: 'rewards', 'staff', 'billing'.")
    granted_on = models.DateField()
    invoice_line = models.OneToOneField(
        InvoiceLine, on_delete=models.PROTECT, null=True, blank=True, related_name="credit_entry"
    )
    actor = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-granted_on", "-id"]
        indexes = [models.Index(fields=["tenant", "client"], name="credit_entry_client_idx")]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.CheckConstraint(
                condition=(Q(amount__gt=0) & Q(invoice_line__isnull=True))
                | (Q(amount__lt=0) & Q(invoice_line__isnull=False)),
                name="credit_grants_positive_uses_negative",
            ),
        ]


class CreditNote(TenantOwned):
    append_only = AppendOnly()  # tenants/grants.py: SELECT and INSERT only

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=20)
    issued_on = models.DateField()
    reason = models.CharField(max_length=300)
    subtotal = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    actor = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-sequence"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "sequence"], name="credit_note_sequence_unique_per_tenant"
            ),
        ]

    def __str__(self):
        return self.number


class CreditNoteLine(TenantOwned):
    append_only = AppendOnly()  # tenants/grants.py: SELECT and INSERT only

    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="credit_note_lines")
    description = models.CharField(max_length=400)
    amount = models.DecimalField(**MONEY, help_text="Positive: the amount of the invoice line reversed.")

    class Meta:
        ordering = ["id"]
        constraints = [*TenantOwned.Meta.constraints]


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CARD = "card", "Card"
    CHECK = "check", "Check"
    CASH = "cash", "Cash"
    DIRECT_DEBIT = "direct_debit", "Direct debit"
    OTHER = "other", "Other"


class Payment(TenantOwned):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(**MONEY)
    paid_on = models.DateField()
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]


class InvoiceEvent(TenantOwned):
    """The invoice's history: issued, emailed, paid, credited, voided; who and when."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=30)
    summary = models.CharField(max_length=300)
    actor = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [*TenantOwned.Meta.constraints]


# --- Disputes ---------------------------------------------------------------------------------------


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    AWAITING_CLIENT = "awaiting_client", "Awaiting the client"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_DISPUTE_STATUSES = (DisputeStatus.OPEN, DisputeStatus.AWAITING_CLIENT)


class DisputeResolution(models.TextChoices):
    CREDIT_NOTE = "credit_note", "Credit note"
    EXPLANATION_ACCEPTED = "explanation_accepted", "Explanation accepted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class DisputeParty(models.TextChoices):
    CLIENT = "client", "Client"
    STAFF = "staff", "Staff"


class Dispute(TenantOwned):
    """A client contests an issued invoice, or one of its lines, with a reason and perhaps an amount.
    While it is open (or awaiting the client's answer to an explanation) the invoice is disputed; at most
    one is open per invoice. It ends resolved (by a credit note, or an explanation the client accepted)
    or withdrawn. billing/disputes.py holds the rules."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="disputes")
    line = models.ForeignKey(
        InvoiceLine, on_delete=models.PROTECT, null=True, blank=True, related_name="disputes"
    )
    amount = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="What the client disputes, when they said; else all of it."
    )
    amount_at_stake = models.DecimalField(
        **MONEY, help_text="The amount given, else what was left of the line (or the invoice) when opened."
    )
    reason = models.TextField()
    status = models.CharField(max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    opened_by = models.CharField(max_length=10, choices=DisputeParty.choices)
    contact = models.ForeignKey(
        "clients.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disputes",
        help_text="Who at the client disputes it (who opened it in the portal, or on whose behalf).",
    )
    actor = models.CharField(max_length=200, help_text="Who opened it, as history records it.")
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=24, choices=DisputeResolution.choices, blank=True)
    credit_note = models.ForeignKey(
        CreditNote, on_delete=models.PROTECT, null=True, blank=True, related_name="disputes"
    )
    last_activity_at = models.DateTimeField()

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [models.Index(fields=["tenant", "status", "opened_at"], name="dispute_status_opened_idx")]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "invoice"],
                condition=Q(status__in=["open", "awaiting_client"]),
                name="one_open_dispute_per_invoice",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0), name="dispute_amount_positive"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status__in=["open", "awaiting_client"]) & Q(resolved_at__isnull=True, resolution="")
                )
                | (
                    Q(status__in=["resolved", "withdrawn"]) & Q(resolved_at__isnull=False) & ~Q(resolution="")
                ),
                name="closed_disputes_say_when_and_how",
            ),
            models.CheckConstraint(
                condition=Q(credit_note__isnull=True) | Q(resolution="credit_note"),
                name="dispute_credit_note_only_when_resolved_by_one",
            ),
        ]

    def __str__(self):
        return f"Dispute {self.pk} on {self.invoice}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPUTE_STATUSES


class DisputeMessageKind(models.TextChoices):
    MESSAGE = "message", "Message"
    EXPLANATION = "explanation", "Explanation proposed"
    CLOSING = "closing", "Closing note"


class DisputeMessage(TenantOwned):
    """One message of a dispute's thread: the client's or staff's words, and staff's explanations."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="messages")
    party = models.CharField(max_length=10, choices=DisputeParty.choices)
    kind = models.CharField(
        max_length=12, choices=DisputeMessageKind.choices, default=DisputeMessageKind.MESSAGE
    )
    body = models.TextField()
    author = models.CharField(max_length=200, help_text="The name shown in the thread.")
    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [*TenantOwned.Meta.constraints]
