"""The suite's database logins (tenants/connections.py explains why the suite differs from production).

The suite logs in as the owner, which may create, migrate, flush and drop its test database, and acts
as the web role (``-c role=<web>``) everywhere else; ``cross_tenant`` switches that one connection to the
worker role with ``SET LOCAL ROLE``, because the worker's own connection could not see a test's
uncommitted rows. Processes a test starts (Celery workers, billing runs) use the three logins exactly
as production does: :func:`database_env` gives them the test database's URLs.
"""

from __future__ import annotations

import os
from urllib.parse import quote

import dj_database_url
from django.conf import settings
from django.db import connections


def use_owner_login(settings_dict: dict) -> None:
    owner = settings.DATABASE_OWNER
    settings_dict.update(
        USER=owner["USER"], PASSWORD=owner["PASSWORD"], HOST=owner["HOST"], PORT=owner["PORT"]
    )


def act_as_web(settings_dict: dict) -> None:
    connections["default"].close()
    settings_dict["OPTIONS"] = {**(settings_dict.get("OPTIONS") or {}), "options": f"-c role={_web_role()}"}


def stop_acting(settings_dict: dict) -> None:
    connections["default"].close()
    settings_dict["OPTIONS"] = {
        k: v for k, v in (settings_dict.get("OPTIONS") or {}).items() if k != "options"
    }


def _web_role() -> str:
    return settings.DATABASE_ROLES["web"]


def _url(config: dict, name: str) -> str:
    host = quote(config["HOST"] or "", safe="")
    password = f":{quote(config['PASSWORD'])}" if config["PASSWORD"] else ""
    return f"postgres://{config['USER']}{password}@{host}:{config['PORT'] or 5432}/{name}"


def database_env() -> dict[str, str]:
    """DATABASE_URL, DATABASE_WORKER_URL and DATABASE_OWNER_URL pointing at the test database."""
    name = connections["default"].settings_dict["NAME"]
    return {
        "DATABASE_URL": _url(dj_database_url.parse(os.environ["DATABASE_URL"]), name),
        "DATABASE_WORKER_URL": _url(dj_database_url.parse(settings.DATABASE_WORKER_URL), name),
        "DATABASE_OWNER_URL": _url(settings.DATABASE_OWNER, name),
    }
