"""A scratch database for a benchmark: created empty beside the app's database, migrated, dropped after.

Benchmarks load millions of rows; they must never touch the database the app or the tests use. Like the
test suite (tests/databases.py), the benchmark process logs in as the owner, which creates, migrates and
drops the scratch database, and acts as the web role; its bulk loads switch to the worker role (past
row-level security) with :func:`as_worker` and back with :func:`as_web`. Processes it starts get the
three roles' URLs for the scratch database from :func:`database_env`, as production has them.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import dj_database_url
import psycopg2
from django.conf import settings


def as_worker() -> str:
    return f'SET ROLE "{settings.DATABASE_ROLES["worker"]}"'


def as_web() -> str:
    return f'SET ROLE "{settings.DATABASE_ROLES["web"]}"'


def _url(config: dict, name: str) -> str:
    host = quote(config["HOST"] or "", safe="")
    password = f":{quote(config['PASSWORD'])}" if config["PASSWORD"] else ""
    return f"postgres://{config['USER']}{password}@{host}:{config['PORT'] or 5432}/{name}"


def database_env(name: str) -> dict[str, str]:
    return {
        "DATABASE_URL": _url(dj_database_url.parse(os.environ["DATABASE_URL"]), name),
        "DATABASE_WORKER_URL": _url(dj_database_url.parse(settings.DATABASE_WORKER_URL), name),
        "DATABASE_OWNER_URL": _url(settings.DATABASE_OWNER, name),
    }


def owner_connection(dbname: str):
    owner = settings.DATABASE_OWNER
    admin = psycopg2.connect(dbname=dbname, user=owner["USER"], password=owner["PASSWORD"] or None,
                             host=owner["HOST"] or None, port=owner["PORT"] or None)  # fmt: skip
    admin.autocommit = True
    return admin


@contextmanager
def scratch_database(suffix: str) -> Iterator[str]:
    """Point Django at a fresh, migrated `<app db>_<suffix>` for the block; drop it afterwards."""
    from django.core.management import call_command
    from django.db import connection, connections

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_{suffix}"
    admin = owner_connection(db["NAME"])
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    saved = {key: db.get(key) for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")}
    try:
        connections.close_all()
        owner = settings.DATABASE_OWNER
        db.update(
            NAME=name, USER=owner["USER"], PASSWORD=owner["PASSWORD"], HOST=owner["HOST"], PORT=owner["PORT"]
        )
        settings.DATABASES["worker"]["NAME"] = name
        print(f"migrating scratch database {name}…", flush=True)
        call_command("migrate", verbosity=0)
        connections.close_all()
        db["OPTIONS"] = {**(db.get("OPTIONS") or {}), "options": f"-c role={settings.DATABASE_ROLES['web']}"}
        settings.CROSS_TENANT_VIA = "role"
        assert connection.settings_dict is db
        yield name
    finally:
        connections.close_all()
        db.update(saved)
        settings.DATABASES["worker"]["NAME"] = saved["NAME"]
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()
