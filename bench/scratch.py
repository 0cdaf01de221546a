"""A scratch database for a benchmark: created empty beside the app's database, migrated, dropped after.

Benchmarks load millions of rows; they must never touch the database the app or the tests use.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from django.conf import settings


@contextmanager
def scratch_database(suffix: str) -> Iterator[str]:
    """Point Django at a fresh, migrated `<app db>_<suffix>` for the block; drop it afterwards."""
    from django.core.management import call_command
    from django.db import connection, connections

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_{suffix}"
    admin = psycopg2.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
                             host=db["HOST"] or None, port=db["PORT"] or None)  # fmt: skip
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = name
        connection.settings_dict["NAME"] = name
        print(f"migrating scratch database {name}…", flush=True)
        call_command("migrate", verbosity=0)
        yield name
    finally:
        connections.close_all()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()
