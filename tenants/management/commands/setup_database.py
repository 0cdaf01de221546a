import os

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tenants.database_setup import Login, ensure_roles_and_database


def _libpq_dsn(config: dict) -> str:
    parts = {
        "dbname": config["NAME"],
        "user": config["USER"],
        "password": config["PASSWORD"],
        "host": config["HOST"],
        "port": config["PORT"],
    }
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


def _login(config: dict) -> Login:
    return Login(user=config["USER"], password=config["PASSWORD"] or None)


class Command(BaseCommand):
    help = (
        "Create the three database roles (owner, web, worker; none a superuser or BYPASSRLS) and the "
        "database from DATABASE_OWNER_URL, DATABASE_URL and DATABASE_WORKER_URL, connecting with "
        "DATABASE_ADMIN_URL. Idempotent; hands a database the web role owned over to the owner. The "
        "embedded PostgreSQL does this by itself."
    )

    def handle(self, *args, **options):
        if not settings.DATABASE_ADMIN_URL:
            raise CommandError("Set DATABASE_ADMIN_URL to a role that may create roles and databases.")
        web = dj_database_url.parse(os.environ["DATABASE_URL"])
        owner = settings.DATABASE_OWNER
        worker = dj_database_url.parse(settings.DATABASE_WORKER_URL)
        try:
            changed = ensure_roles_and_database(
                _libpq_dsn(dj_database_url.parse(settings.DATABASE_ADMIN_URL)),
                owner=_login(owner),
                web=_login(web),
                worker=_login(worker),
                database=web["NAME"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        state = "set up" if changed else "already in place"
        self.stdout.write(
            f"Roles {owner['USER']!r} (owner), {web['USER']!r} (web), {worker['USER']!r} (worker) "
            f"and database {web['NAME']!r}: {state}."
        )
