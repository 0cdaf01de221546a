"""The suite's database logins (tenants/connections.py explains why the suite differs from production).

The suite logs in as the owner, which may create, migrate, flush and drop its test database, and acts
as the web role (``-c role=<web>``) everywhere else; ``cross_tenant`` switches that one connection to the
worker role with ``SET LOCAL ROLE``, because the worker's own connection could not see a test's
uncommitted rows. Processes a test starts (Celery workers, billing runs) use the three logins exactly
as production does: :func:`database_env` gives them the test database's URLs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections

from tenants.connections import acting_as, owner_login, role_urls


def use_owner_login(settings_dict: dict) -> None:
    settings_dict.update(owner_login())


def act_as_web(settings_dict: dict) -> None:
    connections["default"].close()
    settings_dict["OPTIONS"] = acting_as(settings_dict.get("OPTIONS"), settings.DATABASE_ROLES["web"])


def stop_acting(settings_dict: dict) -> None:
    connections["default"].close()
    settings_dict["OPTIONS"] = acting_as(settings_dict.get("OPTIONS"), None)


def database_env() -> dict[str, str]:
    """DATABASE_URL, DATABASE_WORKER_URL and DATABASE_OWNER_URL pointing at the test database."""
    return role_urls(connections["default"].settings_dict["NAME"])
