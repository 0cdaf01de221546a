from django.db import models

from clients.models import Contact
from tenants.models import TenantOwned


class LinkPurpose(models.TextChoices):
    SIGN_AGREEMENT = "sign_agreement", "Sign an agreement"
    VIEW_AGREEMENT = "view_agreement", "View an agreement"
    TICKETS = "tickets", "Open and follow tickets"
    ACCOUNT = "account", "Plan, invoices and tickets"


# Purposes bound to one agreement (the link carries it); the others are bound to the contact only.
AGREEMENT_PURPOSES = frozenset({LinkPurpose.SIGN_AGREEMENT, LinkPurpose.VIEW_AGREEMENT})
# Links that open the client's tickets; an account link (sent with invoices) opens its plan and invoices too.
TICKETS_PURPOSES = frozenset({LinkPurpose.TICKETS, LinkPurpose.ACCOUNT})


class PortalLink(TenantOwned):
    """An emailed link into the client portal: a random token (only its SHA-256 stored), bound to one
    contact and one purpose (and, for the agreement purposes, one agreement), with an expiry."""

    token_hash = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="portal_links")
    purpose = models.CharField(max_length=30, choices=LinkPurpose.choices)
    agreement = models.ForeignKey(
        "contracts.Agreement", on_delete=models.CASCADE, null=True, blank=True, related_name="portal_links"
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"{self.get_purpose_display()} link for {self.contact}"
