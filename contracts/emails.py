"""Sending the tenant's emails: HTML + text from templates, through Django's email backend, each send
recorded in EmailLog (a failed send too, with its error).

Every email is from the tenant: its name is the sender's display name (the address stays Accord's
``DEFAULT_FROM_EMAIL``, the one our mail domain may send from), and answers go to the tenant's reply-to
address unless the caller names another one (tenants.branding.email_headers). The HTML wears the tenant's
colour and logo (contracts/email/_layout.html)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.mime.image import MIMEImage

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from contracts.models import EmailLog
from tenants import branding
from tenants.models import Tenant
from tenants.scope import current_tenant

logger = logging.getLogger(__name__)

# (file name, content, MIME type), as Django's EmailMessage.attach takes them.
Attachment = tuple[str, bytes, str]


def from_address(tenant: Tenant) -> str:
    """``"<Tenant name>" <Accord's sending address>`` (tenants.branding.from_address)."""
    return branding.from_address(tenant)


LOGO_CID = "tenant-logo"


def _brand_context(tenant: Tenant) -> tuple[dict, MIMEImage | None]:
    """The brand's colours for the HTML layout, and the logo as an inline image its ``cid:`` shows (a
    remote image would be blocked by most mail clients, a ``data:`` URI by Gmail)."""
    brand = branding.brand_for(tenant)
    content = branding.logo_bytes(tenant) if brand.has_logo else None
    logo = None
    if content and tenant.logo_type.startswith("image/"):
        logo = MIMEImage(content, _subtype=tenant.logo_type.removeprefix("image/"))
        logo.add_header("Content-ID", f"<{LOGO_CID}>")
        logo.add_header(
            "Content-Disposition", "inline", filename=f"logo.{tenant.logo.name.rsplit('.', 1)[-1]}"
        )
    return {"brand": brand, "logo_cid": LOGO_CID if logo else ""}, logo


def send_templated_email(*, to: str, subject: str, template: str, context: dict, related=None,
                         reply_to: str | None = None, attachments: Sequence[Attachment] = ()
                         ) -> EmailLog:  # fmt: skip
    """Render ``<template>.txt`` and ``<template>.html`` and send them, with ``attachments``. Replies go to
    ``reply_to``, else to the tenant's reply-to address (none when it has not set one). Never raises for a
    failed send: the failure is logged and recorded (status 'failed'), so a batch goes on."""
    tenant = current_tenant()
    brand_context, logo = _brand_context(tenant)
    context = {"tenant": tenant, **brand_context, **context}
    headers = branding.email_headers(tenant, reply_to=reply_to)
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=headers.from_email,
        to=[to],
        reply_to=headers.reply_to,
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if logo is not None:
        if not attachments:
            message.mixed_subtype = "related"  # the logo belongs to the HTML, not a file to open
        message.attach(logo)
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    status, error = "sent", ""
    try:
        message.send()
    except Exception as exc:  # an SMTP refusal must not stop a campaign
        logger.warning("Email to %s failed: %s", to, exc)
        status, error = "failed", str(exc)
    return EmailLog.objects.create(
        tenant=tenant, to=to, subject=subject, template=template, status=status, error=error,
        related_kind=related._meta.model_name if related is not None else "",
        related_id=related.pk if related is not None else None,
    )  # fmt: skip
