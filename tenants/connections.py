"""Which database role a piece of work runs as (tenants/database_setup.py describes the three).

- Requests, the API and tenant-scoped tasks use the ``default`` alias: the web role, bound by RLS.
- ``worker_connection()`` runs a block on the worker role, the only login past RLS. In production
  (``CROSS_TENANT_VIA = "connection"``) it puts the ``worker`` alias's own connection in place of
  ``default`` for the block, so everything inside, ORM, ``transaction.atomic()`` and raw cursors alike,
  runs on that connection. The test suite (``"role"``) has one connection per test, wrapped in a
  transaction the worker's connection could not see, so it logs in as the owner acting as web
  (``-c role=<web>``) and switches to the worker role with ``SET LOCAL ROLE`` for the block. The web
  role is a member of nothing, so it cannot do that switch itself.
- ``as_owner()`` runs ``migrate`` and ``flush`` as the owner: the web role may neither create nor
  truncate tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import dj_database_url
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

WORKER_ALIAS = "worker"


def on_worker_connection() -> bool:
    return connections[DEFAULT_DB_ALIAS].alias == WORKER_ALIAS


@contextmanager
def worker_connection() -> Iterator[None]:
    if settings.CROSS_TENANT_VIA == "role":
        # Inside a transaction (a test's), the block is a savepoint and the role is put back on the way out;
        # outside one, the block's own commit ends the SET LOCAL: no statement to put it back.
        nested = connections[DEFAULT_DB_ALIAS].in_atomic_block
        with transaction.atomic():
            previous = _set_local_role(settings.DATABASE_ROLES["worker"])
            yield
            # An exception or a rollback restores the role with the savepoint.
            if nested and not transaction.get_rollback():
                _set_local_role(previous)
        return
    if on_worker_connection():
        yield
        return
    web = connections[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = connections[WORKER_ALIAS]
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = web


def _set_local_role(role: str) -> str:
    """``SET LOCAL ROLE role`` and the role it replaces, in one round trip (``set_config('role', …)`` is
    what ``SET ROLE`` sets)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT current_user, set_config('role', %s, true)", [role])
        return cursor.fetchone()[0]


def owner_login() -> dict:
    """The owner's credentials, to ``update()`` a connection's settings with."""
    owner = settings.DATABASE_OWNER
    return {key: owner[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}


def acting_as(options: dict | None, role: str | None) -> dict:
    """Connection OPTIONS that make the login act as ``role`` from the start (None: as itself)."""
    kept = {key: value for key, value in (options or {}).items() if key != "options"}
    return {**kept, "options": f"-c role={role}"} if role else kept


def role_urls(database: str) -> dict[str, str]:
    """The three roles' URLs for ``database`` (a test or scratch database), as a child process's env."""

    def url(config: dict) -> str:
        host = quote(config["HOST"] or "", safe="")
        password = f":{quote(config['PASSWORD'])}" if config["PASSWORD"] else ""
        return f"postgres://{config['USER']}{password}@{host}:{config['PORT'] or 5432}/{database}"

    return {
        "DATABASE_URL": url(dj_database_url.parse(os.environ["DATABASE_URL"])),
        "DATABASE_WORKER_URL": url(dj_database_url.parse(settings.DATABASE_WORKER_URL)),
        "DATABASE_OWNER_URL": url(settings.DATABASE_OWNER),
    }


@contextmanager
def as_owner(alias: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Connect ``alias`` as the owner for the block (its database name stays what it is)."""
    connection = connections[alias]
    keys = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
    saved = {key: connection.settings_dict.get(key) for key in keys}
    wanted = {**owner_login(), "OPTIONS": acting_as(saved["OPTIONS"], None)}
    if all(saved[key] == value for key, value in wanted.items()):
        yield
        return
    connection.close()
    connection.settings_dict.update(wanted)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)
