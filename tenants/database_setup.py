"""The three database roles, and creating them.

No role the app logs in as is a superuser or has BYPASSRLS, and no setting a session can change lifts
row-level security:

- **owner** (``DATABASE_OWNER_URL``) runs migrations and owns the database, its tables and functions.
  Only ``manage.py migrate`` and ``flush`` connect as it (``tenants.connections.as_owner``).
- **web** (``DATABASE_URL``), the role of requests, the API and tenant-scoped tasks. It owns nothing, so
  it cannot ``ALTER``, ``NO FORCE`` or ``DISABLE TRIGGER`` anything, and it is bound by RLS.
- **worker** (``DATABASE_WORKER_URL``), the only login allowed past RLS: the policies grant every row
  to the group :data:`CROSS_TENANT_GROUP`, of which it (and the owner) is a member. It is used through
  its own connection (the ``worker`` alias) by ``tenants.scope.cross_tenant``.

Unset, the worker's and owner's URLs are the web URL with ``_worker`` / ``_owner`` after the user name
and the same password. ``manage.py setup_database`` (with ``DATABASE_ADMIN_URL``) and the embedded
server create all three; existing databases owned by the web role are handed over to the owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

# The group the row-level security policies let past (tenants/rls.py): the worker and the owner.
CROSS_TENANT_GROUP = "accord_cross_tenant"

_LOGIN = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOREPLICATION"
OWNER_ATTRIBUTES = f"{_LOGIN} CREATEDB"  # pytest-django creates its test databases as the owner
WEB_ATTRIBUTES = f"{_LOGIN} NOCREATEDB"
WORKER_ATTRIBUTES = f"{_LOGIN} NOCREATEDB"


def derived_url(web_url: str, suffix: str) -> str:
    """The web URL with ``suffix`` after the user name: ``accord`` -> ``accord_worker``."""
    parts = urlsplit(web_url)
    userinfo, at, hostinfo = parts.netloc.rpartition("@")
    if not at:
        raise ValueError("DATABASE_URL names no user; set DATABASE_WORKER_URL and DATABASE_OWNER_URL as well")
    user, colon, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=f"{user}{suffix}{colon}{password}@{hostinfo}"))


@dataclass(frozen=True)
class Login:
    user: str
    password: str | None


def ensure_roles_and_database(
    admin_dsn: str, *, owner: Login, web: Login, worker: Login, database: str
) -> bool:
    """Create (or bring back into line) the three roles and the database. Idempotent.

    Returns True when something was created or handed over.
    """
    if len({owner.user, web.user, worker.user}) != 3:
        raise ValueError("The owner, web and worker roles must be three different roles")
    changed = False
    conn = psycopg2.connect(admin_dsn)
    conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cur:
            changed |= _ensure_role(cur, CROSS_TENANT_GROUP, None, "NOLOGIN NOSUPERUSER NOBYPASSRLS")
            changed |= _ensure_role(cur, owner.user, owner.password, OWNER_ATTRIBUTES)
            changed |= _ensure_role(cur, web.user, web.password, WEB_ATTRIBUTES)
            changed |= _ensure_role(cur, worker.user, worker.password, WORKER_ATTRIBUTES)
            # The worker and the owner pass the policies; the owner may act as web or worker, which the
            # test suite uses to share one connection (tenants.connections); web is a member of nothing.
            for group, member in [
                (CROSS_TENANT_GROUP, worker.user),
                (CROSS_TENANT_GROUP, owner.user),
                (web.user, owner.user),
                (worker.user, owner.user),
            ]:
                cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(member)))
            cur.execute(
                "SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid "
                "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s",
                [web.user],
            )
            for (group,) in cur.fetchall():
                cur.execute(
                    sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(group), sql.Identifier(web.user))
                )
            changed |= _ensure_database(cur, database, owner.user, web.user)
    finally:
        conn.close()
    changed |= _hand_over_to_owner(admin_dsn, database, owner=owner.user, web=web.user)
    return changed


def _ensure_role(cur, role: str, password: str | None, attributes: str) -> bool:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    verb = "ALTER" if cur.fetchone() else "CREATE"
    statement = sql.SQL("{} ROLE {} " + attributes).format(sql.SQL(verb), sql.Identifier(role))
    if password:
        statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
    cur.execute(statement)
    return verb == "CREATE"


def _ensure_database(cur, database: str, owner: str, web: str) -> bool:
    cur.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [database])
    row = cur.fetchone()
    if row is None:
        cur.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
                sql.Identifier(database), sql.Identifier(owner)
            )
        )
        return True
    changed = False
    # The app's database, and test databases of it left behind, from before the web role owned nothing.
    cur.execute(
        "SELECT datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = %s) "
        "AND (datname = %s OR datname LIKE %s)",
        [web, database, f"test\\_{database}%"],
    )
    for (name,) in cur.fetchall():
        cur.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), sql.Identifier(owner))
        )
        changed = True
    return changed


def _hand_over_to_owner(admin_dsn: str, database: str, *, owner: str, web: str) -> bool:
    """Tables, sequences and functions the web role created before the split go to the owner."""
    conn = psycopg2.connect(_with_dbname(admin_dsn, database))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_class WHERE relowner = "
                "(SELECT oid FROM pg_roles WHERE rolname = %s)",
                [web],
            )
            if not cur.fetchone()[0]:
                return False
            cur.execute(
                sql.SQL("REASSIGN OWNED BY {} TO {}").format(sql.Identifier(web), sql.Identifier(owner))
            )
            return True
    finally:
        conn.close()


def _with_dbname(dsn: str, database: str) -> str:
    kept = [part for part in dsn.split() if not part.startswith("dbname=")]
    return " ".join([f"dbname={database}", *kept])
