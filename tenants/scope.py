"""Entering a tenant: the one wrapper used by requests, Celery tasks and management commands.

``tenant_scope(tenant)`` opens a transaction, sets the transaction-local ``app.tenant_id`` for
PostgreSQL's row-level security and the django-scopes scope for the querysets, and restores both on the
way out. Outside any scope, tenant-owned querysets raise ``ScopeError`` and PostgreSQL returns no rows.

``cross_tenant(reason)`` is the one explicit bypass, for work that spans tenants (authenticating an API
key, listing a user's tenants, sweepers, billing runs, the event bus). Grep for it. It runs its block as
the worker role, the only login the row-level security policies let past, on that role's own
connection (tenants/connections.py): no setting a web session can change lifts RLS.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django_scopes import scope, scopes_disabled
from structlog.contextvars import bound_contextvars

from tenants.connections import worker_connection

if TYPE_CHECKING:
    from tenants.models import Tenant

logger = logging.getLogger(__name__)

_current_tenant: ContextVar[Tenant | None] = ContextVar("current_tenant", default=None)


class NoTenantError(RuntimeError):
    pass


def _swap_setting(name: str, value: str) -> str:
    """Set a transaction-local setting and return its previous value ('' when unset)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(current_setting(%s, true), ''), set_config(%s, %s, true)", [name, name, value]
        )
        return cursor.fetchone()[0]


@contextmanager
def tenant_scope(tenant: Tenant) -> Iterator[Tenant]:
    if tenant is None or tenant.pk is None:
        raise NoTenantError("tenant_scope() needs a saved tenant; use cross_tenant() for cross-tenant work")
    with transaction.atomic():
        previous = _swap_setting("app.tenant_id", str(tenant.pk))
        token = _current_tenant.set(tenant)
        try:
            # Every log line inside names its tenant (structured logs, config/settings.py: Logging).
            with scope(tenant=tenant), bound_contextvars(tenant=tenant.slug, tenant_id=tenant.pk):
                yield tenant
        finally:
            _current_tenant.reset(token)
        # After an exception, or a block marked for rollback, the rollback of the transaction or
        # savepoint restores the setting itself (and the connection may refuse another statement).
        if not transaction.get_rollback():
            _swap_setting("app.tenant_id", previous)


@contextmanager
def cross_tenant(reason: str, *, atomic: bool = True) -> Iterator[None]:
    """The block runs as the worker role, in a transaction of its own (or the caller's).

    ``atomic=False``: no transaction of its own, so each statement outside the caller's transaction is
    its own, committed in its round trip (no BEGIN and COMMIT of their own): for a single statement that
    is a whole unit of work (the SLA sweeper's pass). ``transaction.on_commit`` then runs at once."""
    if not reason:
        raise ValueError("cross_tenant() needs a reason, so every bypass says why it exists")
    logger.debug("entering cross-tenant scope: %s", reason)
    # The test suite's role switch opens its transaction (or savepoint) itself: no second savepoint.
    own_savepoint = settings.CROSS_TENANT_VIA != "role"
    with (
        worker_connection(),
        transaction.atomic(savepoint=own_savepoint) if atomic else nullcontext(),
        scopes_disabled(),
    ):
        yield


def current_tenant() -> Tenant:
    tenant = _current_tenant.get()
    if tenant is None:
        raise NoTenantError("No tenant is set: enter tenants.scope.tenant_scope() first")
    return tenant


def current_tenant_or_none() -> Tenant | None:
    return _current_tenant.get()
