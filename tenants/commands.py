"""What the operators' management commands share: reading ``--on`` and ``--tenant`` the same way, with the
same plain errors (``run_billing``, ``run_rewards``), and going through the companies one by one with
progress (``recount_tickets_opened``, ``rebuild_sla_board``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.core.management.base import CommandError

from tenants.models import Tenant
from tenants.scope import tenant_scope

PROGRESS_EVERY = 100  # companies between two progress lines


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


def tenants_option(slug: str | None, *, nothing_done: str) -> list[Tenant]:
    """``--tenant SLUG`` of a command that otherwise runs for every active company: that one (as
    ``active_tenant_option``), or every active one in the order they joined."""
    if slug:
        return [active_tenant_option(slug, nothing_done=nothing_done)]
    return list(Tenant.objects.filter(is_active=True).order_by("pk"))


def companies(count: int) -> str:
    return f"{count:,} compan{'ies' if count != 1 else 'y'}"


def each_in_scope(tenants: list[Tenant], stdout) -> Iterator[Tenant]:
    """Each company in turn, inside its own ``tenant_scope`` (a transaction each), with a line on
    ``stdout`` every PROGRESS_EVERY companies."""
    for done, tenant in enumerate(tenants, start=1):
        with tenant_scope(tenant):
            yield tenant
        if done % PROGRESS_EVERY == 0 and done < len(tenants):
            stdout.write(f"  {done:,} of {len(tenants):,} companies")
