"""The tenant's clock: the one place that says what "now" and "today" are for a tenant.

Terms, deadlines, reminders and reports run on the tenant's calendar days, in the tenant's time zone:
in the evening in New York the UTC date is already tomorrow, so ``timezone.localdate()`` (the server's
UTC day) and the tenant's day disagree. Every "today" in the code base comes from here, and tests move
the clock with time-machine, which these functions follow.

``tenant=None`` means the tenant of the current scope (``tenants.scope.current_tenant()``), which
raises outside a scope rather than silently answering in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone

from tenants.scope import current_tenant

if TYPE_CHECKING:
    from tenants.models import Tenant


def tenant_zone(tenant: Tenant | None = None) -> ZoneInfo:
    return ZoneInfo((tenant or current_tenant()).timezone)


def tenant_localtime(moment: datetime, tenant: Tenant | None = None) -> datetime:
    """An instant as the tenant's wall clock shows it (aware, in the tenant's zone)."""
    return moment.astimezone(tenant_zone(tenant))


def tenant_now(tenant: Tenant | None = None) -> datetime:
    """The current instant on the tenant's wall clock."""
    return tenant_localtime(timezone.now(), tenant)


def tenant_today(tenant: Tenant | None = None) -> date:
    """Today's date in the tenant's time zone."""
    return tenant_now(tenant).date()
