"""A scratch database for a benchmark: created empty beside the app's database, migrated, dropped after.

Benchmarks load millions of rows; they must never touch the database the app or the tests use. Like the
test suite (tests/databases.py), the benchmark process logs in as the owner, which creates, migrates and
drops the scratch database, and acts as the web role; its bulk loads switch to the worker role (past
row-level security) with :func:`as_worker` and back with :func:`as_web`. Processes it starts get the
three roles' URLs for the scratch database from ``tenants.connections.role_urls``, as production has them.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from django.conf import settings

from tenants.connections import acting_as, owner_login


def as_worker() -> str:
    return f'SET ROLE "{settings.DATABASE_ROLES["worker"]}"'


def as_web() -> str:
    return f'SET ROLE "{settings.DATABASE_ROLES["web"]}"'


def owner_connection(dbname: str):
    owner = settings.DATABASE_OWNER
    admin = psycopg2.connect(dbname=dbname, user=owner["USER"], password=owner["PASSWORD"] or None,
                             host=owner["HOST"] or None, port=owner["PORT"] or None)  # fmt: skip
    admin.autocommit = True
    return admin


@contextmanager
def pointed_at(name: str) -> Iterator[str]:
    """Point Django (the default and worker connections) at the database ``name`` for the block, migrated
    as the owner, then acting as the web role as the app does; back to the app's database afterwards."""
    from django.core.management import call_command
    from django.db import connection, connections

    db = settings.DATABASES["default"]
    saved = {key: db.get(key) for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")}
    try:
        connections.close_all()
        db.update(NAME=name, **owner_login())
        settings.DATABASES["worker"]["NAME"] = name
        print(f"migrating {name}…", flush=True)
        call_command("migrate", verbosity=0)
        connections.close_all()
        db["OPTIONS"] = acting_as(db.get("OPTIONS"), settings.DATABASE_ROLES["web"])
        settings.CROSS_TENANT_VIA = "role"
        assert connection.settings_dict is db
        yield name
    finally:
        connections.close_all()
        db.update(saved)
        settings.DATABASES["worker"]["NAME"] = saved["NAME"]


@contextmanager
def scratch_database(suffix: str) -> Iterator[str]:
    """Point Django at a fresh, migrated `<app db>_<suffix>` for the block; drop it afterwards."""
    name = f"{settings.DATABASES['default']['NAME']}_{suffix}"
    admin = owner_connection(settings.DATABASES["default"]["NAME"])
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        with pointed_at(name):
            yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()
