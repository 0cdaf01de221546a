"""Gunicorn's settings for the web service (docker-compose.yml, Dockerfile): sized for the machine it runs on.

A request spends most of its time in Python (templates, serializers) with short waits on PostgreSQL and
Redis, so processes, not threads, carry the load: ``2 x cores + 1`` workers keep every core busy while
some wait on the database, and two threads per worker cover those waits without another process's
memory (gthread; Django keeps a database connection per thread). Each thread may hold two connections
(the web role's, and the worker role's for cross-tenant steps), so one machine opens at most
``2 x workers x threads`` of them: size PostgreSQL's max_connections, or put PgBouncer in front
(docs/scaling.md). Override with GUNICORN_WORKERS / GUNICORN_THREADS; README "Serving" has the measured
requests per second per core.
"""

import os


def available_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


cores = available_cores()
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * cores + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread" if threads > 1 else "sync"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# A slow report is cut off before a load balancer's usual 60 s; a worker is replaced now and then so a
# slow leak cannot grow without end (jitter: not all at once).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
max_requests = 2000
max_requests_jitter = 200
keepalive = 5
accesslog = "-"


def post_worker_init(worker) -> None:
    """The loaded app leaves the collector's reach (config/serving_gc.py)."""
    from config.serving_gc import freeze_loaded_app

    freeze_loaded_app()


def post_request(worker, req, environ, resp) -> None:
    """Collect between requests, once the response is out (config/serving_gc.py says why)."""
    from config.serving_gc import collect_after_request

    collect_after_request(worker.nr)
