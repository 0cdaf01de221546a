"""Sending the tenant's emails: HTML + text from templates, through Django's email backend, each send
recorded in EmailLog (a failed send too, with its error).

Every email is from the tenant: its name is the sender's display name (the address stays Accord's
``DEFAULT_FROM_EMAIL``, the one our mail domain may send from), and answers go to the tenant's reply-to
address unless the caller names another one."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from contracts.models import EmailLog
from tenants.models import Tenant
from tenants.scope import current_tenant

logger = logging.getLogger(__name__)

# (file name, content, MIME type), as Django's EmailMessage.attach takes them.
Attachment = tuple[str, bytes, str]


def from_address(tenant: Tenant) -> str:
    """``"<Tenant name>" <Accord's sending address>``; Accord's own From when it has no plain address."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = " ".join(tenant.name.split())  # no line breaks in a header
    try:
        return str(Address(display_name=name, addr_spec=address)) if name and address else ""
    except (ValueError, IndexError, HeaderParseError):  # a malformed setting: send as configured
        return settings.DEFAULT_FROM_EMAIL


def send_templated_email(*, to: str, subject: str, template: str, context: dict, related=None,
                         reply_to: str | None = None, attachments: Sequence[Attachment] = ()
                         ) -> EmailLog:  # fmt: skip
    """Render ``<template>.txt`` and ``<template>.html`` and send them, with ``attachments``. Replies go to
    ``reply_to``, else to the tenant's reply-to address (none when it has not set one). Never raises for a
    failed send: the failure is logged and recorded (status 'failed'), so a batch goes on."""
    tenant = current_tenant()
    context = {"tenant": tenant, **context}
    reply_to = reply_to or tenant.reply_to_email
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=from_address(tenant) or None,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
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
