"""Portal links: the only way into the client portal.

A link carries a random token (256 bits, URL-safe); only its SHA-256 is stored, so a database dump
opens nothing. A fast hash is enough for a secret of that entropy (as for API keys, api/keys.py). A link
is bound to one contact, one purpose and (for agreements) one agreement, and expires. A tickets link is
bound to the contact alone: it opens their client's tickets (portal/views_tickets.py).

The tenant is not known until the token is found, so ``resolve_portal_link`` is the portal's one
cross-tenant lookup; every portal page then runs inside the link's tenant (portal/views.py).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clients.models import Contact
from contracts.emails import send_templated_email
from portal.models import AGREEMENT_PURPOSES, TICKETS_PURPOSES, LinkPurpose, PortalLink
from tenants.scope import cross_tenant, current_tenant

DEFAULT_TTL = timedelta(days=30)
TOKEN_BYTES = 32
# secrets.token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-]; anything else cannot be a token.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
LAST_USED_PRECISION = timedelta(minutes=1)
# A fresh link is emailed at most once in this time per contact and agreement (no inbox flooding).
FRESH_LINK_INTERVAL = timedelta(minutes=5)


class Refusal(StrEnum):
    """Why a token opens nothing."""

    UNKNOWN = "unknown"  # never issued, mistyped, cut off or tampered with
    EXPIRED = "expired"
    REVOKED = "revoked"  # withdrawn by the tenant, or the company is no longer active
    WRONG_CONTACT = "wrong_contact"  # the person it was issued to may no longer use it for this


@dataclass(frozen=True)
class LinkRefused:
    """A token that opens nothing, and why. ``link`` is set when the token was genuine (expired, revoked,
    wrong contact), so a fresh link can be offered to the person it was issued to."""

    reason: Refusal
    link: PortalLink | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_binding(*, contact, purpose: str, agreement) -> str | None:
    """Why this contact may not hold a link of this purpose for this agreement (None when they may)."""
    if contact.is_archived:
        return f"{contact} is archived."
    if not contact.email:
        return f"{contact} has no email address to send the link to."
    if agreement is not None and (
        agreement.client_id != contact.client_id or agreement.tenant_id != contact.tenant_id
    ):
        return f"{contact} is not a contact of the client this agreement is for."
    if purpose == LinkPurpose.SIGN_AGREEMENT and not contact.can_sign:
        return f"{contact} may not sign service contracts for the client."
    if purpose in TICKETS_PURPOSES and contact.client.is_archived:
        return f"{contact.client} is archived: its portal is closed."
    return None


def issue_portal_link(
    *, contact, purpose: str, agreement=None, ttl: timedelta = DEFAULT_TTL
) -> tuple[PortalLink, str]:
    """A new link for ``contact`` in the current tenant. Returns the row and the clear token: the token
    is not stored and cannot be shown again, so email it now (``build_portal_url`` makes the URL).

    Both agreement purposes need an agreement of the contact's client; signing needs a contact who may
    sign; a tickets link takes no agreement. Raises ValidationError with a plain message otherwise. Older
    links stay valid until they expire.
    """
    tenant = current_tenant()
    if purpose not in LinkPurpose.values:
        raise ValidationError(f"Unknown portal link purpose {purpose!r}.")
    if purpose in AGREEMENT_PURPOSES and agreement is None:
        raise ValidationError("A link to sign or view an agreement needs the agreement.")
    if purpose not in AGREEMENT_PURPOSES and agreement is not None:
        raise ValidationError("A link to open and follow tickets is not for an agreement.")
    if contact.tenant_id != tenant.pk:
        raise ValidationError("The contact belongs to another company.")
    if problem := _check_binding(contact=contact, purpose=purpose, agreement=agreement):
        raise ValidationError(problem)
    if ttl <= timedelta(0):
        raise ValidationError("A portal link needs a positive lifetime.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = PortalLink.objects.create(
        tenant=tenant,
        token_hash=hash_token(token),
        contact=contact,
        purpose=purpose,
        agreement=agreement,
        expires_at=timezone.now() + ttl,
    )
    return link, token


def build_portal_url(token: str, *, absolute: bool = True) -> str:
    """The portal address of a token, absolute (``settings.SITE_URL``) for emails by default."""
    path = reverse("portal:open", kwargs={"token": token})
    return f"{settings.SITE_URL}{path}" if absolute else path


def issue_signing_link_url(*, contact, agreement, ttl: timedelta) -> str:
    """A new link for ``contact`` to sign ``agreement``, as the URL to email. Contracts' campaigns ask
    for these through ``contracts.signing_links`` (registered in PortalConfig.ready)."""
    _, token = issue_portal_link(
        contact=contact, purpose=LinkPurpose.SIGN_AGREEMENT, agreement=agreement, ttl=ttl
    )
    return build_portal_url(token)


def resolve_portal_link(token: str) -> PortalLink | LinkRefused:
    """The link a token opens, or ``LinkRefused`` with the reason. Records when the link was last used.

    The lookup is by hash; a malformed token is refused before any query. The checks that depend on
    today's data (contact archived, no longer a signer, moved to another client) run on every use, so
    taking a right away from a contact closes their open links too.
    """
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        return LinkRefused(Refusal.UNKNOWN)
    # The tenant is unknown until the token is found: the portal's one bypass.
    with cross_tenant("resolve a portal link"):
        link = (
            PortalLink.objects.select_related("tenant", "contact", "contact__client", "agreement")
            .filter(token_hash=hash_token(token))
            .first()
        )
        if link is None:
            return LinkRefused(Refusal.UNKNOWN)
        if link.revoked_at is not None or not link.tenant.is_active:
            return LinkRefused(Refusal.REVOKED, link)
        now = timezone.now()
        if link.expires_at <= now:
            return LinkRefused(Refusal.EXPIRED, link)
        if _check_binding(contact=link.contact, purpose=link.purpose, agreement=link.agreement):
            return LinkRefused(Refusal.WRONG_CONTACT, link)
        if link.last_used_at is None or now - link.last_used_at > LAST_USED_PRECISION:
            PortalLink.objects.filter(pk=link.pk).update(last_used_at=now)
            link.last_used_at = now
    return link


def revoke_portal_link(link: PortalLink) -> PortalLink:
    """Withdraw a link at once (idempotent)."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def email_portal_link(
    *, link: PortalLink, token: str, subject: str = "", note: str = "", reply_to: str | None = None
):
    """Email the contact their link (templates/portal/email/link.{txt,html}, tickets_link for a tickets
    link, account_link for an account link); returns the EmailLog row. Call inside the link's tenant
    scope. ``note`` is a short message shown above the button."""
    agreement = link.agreement
    if link.purpose == LinkPurpose.ACCOUNT:
        return send_templated_email(
            to=link.contact.email,
            subject=subject or f"Your invoices and account with {link.tenant}",
            template="portal/email/account_link",
            context={"link": link, "contact": link.contact, "client": link.contact.client,
                     "url": build_portal_url(token), "note": note},
            related=link.contact,
            reply_to=reply_to,
        )  # fmt: skip
    if link.purpose == LinkPurpose.TICKETS:
        return send_templated_email(
            to=link.contact.email,
            subject=subject or f"Your support requests with {link.tenant}",
            template="portal/email/tickets_link",
            context={
                "link": link,
                "contact": link.contact,
                "client": link.contact.client,
                "url": build_portal_url(token),
                "note": note,
            },
            related=link.contact,
            reply_to=reply_to,
        )
    if not subject:
        verb = "Please review and sign" if link.purpose == LinkPurpose.SIGN_AGREEMENT else "Your agreement"
        subject = f"{verb}: {agreement.version.title}" if agreement else f"Your link from {link.tenant}"
    return send_templated_email(
        to=link.contact.email,
        subject=subject,
        template="portal/email/link",
        context={
            "link": link,
            "contact": link.contact,
            "agreement": agreement,
            "url": build_portal_url(token),
            "note": note,
            "is_signing": link.purpose == LinkPurpose.SIGN_AGREEMENT,
        },
        related=agreement,
        reply_to=reply_to,
    )


def send_fresh_link(*, old_link: PortalLink, email: str) -> bool:
    """Email a fresh link to the contact of a genuine (typically expired) link, if ``email`` is their
    address and they may still use such a link. Returns whether one was sent; callers must not tell
    the person (the answer would reveal whether an address belongs to a contact). Call inside the old
    link's tenant scope. At most one fresh link per FRESH_LINK_INTERVAL for a contact and agreement."""
    contact = old_link.contact
    if not email.strip() or not contact.email or email.strip().casefold() != contact.email.casefold():
        return False
    if _check_binding(contact=contact, purpose=old_link.purpose, agreement=old_link.agreement):
        return False
    with transaction.atomic():
        # Lock the contact: two quick clicks never send two links.
        Contact.objects.select_for_update().filter(pk=contact.pk).first()
        recent = PortalLink.objects.filter(
            contact=contact,
            agreement=old_link.agreement,
            purpose=old_link.purpose,
            created_at__gt=timezone.now() - FRESH_LINK_INTERVAL,
        )
        if recent.exists():
            return False
        link, token = issue_portal_link(
            contact=contact, purpose=old_link.purpose, agreement=old_link.agreement
        )
        email_portal_link(link=link, token=token, note="You asked for a fresh link: here it is.")
    return True


def send_tickets_link(contact, *, reply_to: str | None = None):
    """Issue ``contact`` a link to open and follow their client's tickets and email it
    (templates/portal/email/tickets_link.{txt,html}); returns the EmailLog row. Call inside the contact's
    tenant scope. Raises ValidationError (archived contact or client, no email address). Each call sends
    a new link; older ones stay valid until they expire."""
    with transaction.atomic():
        link, token = issue_portal_link(contact=contact, purpose=LinkPurpose.TICKETS)
        return email_portal_link(link=link, token=token, reply_to=reply_to)
