"""What the operators' management commands share: reading ``--on`` and ``--tenant`` the same way, with the
same plain errors (``run_billing``, ``run_rewards``)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError

from tenants.models import Tenant


def day_option(text: str) -> date:
    """``--on YYYY-MM-DD``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--on takes a date as YYYY-MM-DD, e.g. 2026-12-01; {text!r} is not one."
        ) from None


def active_tenant_option(slug: str, *, nothing_done: str) -> Tenant:
    """``--tenant SLUG``: an active company; an unknown slug lists the known ones, an inactive company says
    ``nothing_done`` (e.g. "nothing is billed for it")."""
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        known = ", ".join(
            Tenant.objects.filter(is_active=True).order_by("slug").values_list("slug", flat=True)
        )
        raise CommandError(f"No company has the slug {slug!r}. Known: {known or 'none'}.")
    if not tenant.is_active:
        raise CommandError(f"{tenant.name} ({tenant.slug}) is not active; {nothing_done}.")
    return tenant
