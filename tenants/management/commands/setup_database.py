import os

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tenants.database_setup import ensure_app_role_and_database


def _libpq_dsn(config: dict) -> str:
    parts = {
        "dbname": config["NAME"],
        "user": config["USER"],
        "password": config["PASSWORD"],
        "host": config["HOST"],
        "port": config["PORT"],
    }
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


class Command(BaseCommand):
    help = (
        "Create the app's database role (no superuser, no BYPASSRLS) and its database from DATABASE_URL, "
        "connecting with DATABASE_ADMIN_URL. Idempotent. The embedded PostgreSQL does this by itself."
    )

    def handle(self, *args, **options):
        if not settings.DATABASE_ADMIN_URL:
            raise CommandError("Set DATABASE_ADMIN_URL to a role that may create roles and databases.")
        app = dj_database_url.parse(os.environ["DATABASE_URL"])
        created = ensure_app_role_and_database(
            _libpq_dsn(dj_database_url.parse(settings.DATABASE_ADMIN_URL)),
            role=app["USER"],
            password=app["PASSWORD"] or None,
            database=app["NAME"],
        )
        state = "created" if created else "already in place"
        self.stdout.write(f"Role {app['USER']!r} and database {app['NAME']!r}: {state}.")
