"""Creating the application's own database role.

The app never connects as a superuser or a BYPASSRLS role: those skip row-level security. The set-up
(``manage.py setup_database`` on a server we are given, or the embedded server on a fresh laptop)
connects once with an administrative DSN and creates a plain login role that owns the app's database.
The role is not a superuser and has no BYPASSRLS; tables it owns are still filtered because every
tenant table has ``FORCE ROW LEVEL SECURITY``. CREATEDB lets pytest-django create its test databases.
"""

from __future__ import annotations

import psycopg2
from psycopg2 import sql

APP_ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB NOCREATEROLE NOREPLICATION"


def ensure_app_role_and_database(admin_dsn: str, *, role: str, password: str | None, database: str) -> bool:
    """Create (or bring back into line) the app role and its database. Idempotent.

    Returns True when something was created.
    """
    created = False
    conn = psycopg2.connect(admin_dsn)
    conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cur.fetchone() else "CREATE"
            created |= verb == "CREATE"
            statement = sql.SQL("{} ROLE {} " + APP_ROLE_ATTRIBUTES).format(
                sql.SQL(verb), sql.Identifier(role)
            )
            if password:
                statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
            cur.execute(statement)
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if not cur.fetchone():
                cur.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
                        sql.Identifier(database), sql.Identifier(role)
                    )
                )
                created = True
    finally:
        conn.close()
    return created
