"""Sending the contract emails: HTML + text from templates, through Django's email backend, each send
recorded in EmailLog (a failed send too, with its error)."""

from __future__ import annotations

import logging

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from contracts.models import EmailLog
from tenants.scope import current_tenant

logger = logging.getLogger(__name__)


def send_templated_email(*, to: str, subject: str, template: str, context: dict, related=None,
                         reply_to: str | None = None) -> EmailLog:  # fmt: skip
    """Render ``<template>.txt`` and ``<template>.html`` and send them. Never raises for a failed send:
    the failure is logged and recorded (status 'failed'), so a batch goes on."""
    tenant = current_tenant()
    context = {"tenant": tenant, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        to=[to],
        reply_to=[reply_to] if reply_to else None,
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
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
