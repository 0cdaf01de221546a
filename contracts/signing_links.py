"""Signing links for the emails that ask a contact to sign: issued by the portal, called by contracts.

The portal owns its links (the table of hashed tokens, bound to a contact and an agreement, and the pages
they open) and sits above contracts, so contracts cannot import it. Instead the portal registers its
issuer here in ``PortalConfig.ready()``, and campaigns ask for a link through ``signing_link_url``.
Moving link issuing below contracts instead would drag the portal's table (which points at agreements)
and its URLs down with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

# issuer(*, contact, agreement, ttl) -> the absolute URL to email
SigningLinkIssuer = Callable[..., str]
_issuer: SigningLinkIssuer | None = None


def register_signing_link_issuer(issuer: SigningLinkIssuer) -> None:
    global _issuer
    _issuer = issuer


def signing_link_url(*, contact, agreement, ttl: timedelta) -> str:
    """A fresh link for ``contact`` to sign ``agreement``, valid for ``ttl``: the URL to email. Raises
    ValidationError when the contact may not hold one (archived, no email, may not sign)."""
    if _issuer is None:
        raise ImproperlyConfigured("No signing link issuer is registered: is the portal app installed?")
    return _issuer(contact=contact, agreement=agreement, ttl=ttl)
