"""`make run`: migrate, load the demo data, then run web, Celery worker and beat until Ctrl-C.

Importing the settings starts the embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are
unset, and exports their URLs, so the three child processes join the same servers.
"""

import os
import signal
import subprocess
import sys
import time

import django
from django.core.management import call_command

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
    processes = {name: subprocess.Popen(command) for name, command in commands.items()}  # noqa: S603

    def stop(*_):
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    time.sleep(2)
    print("\n" + "=" * 78)
    print(f"Accord is running at http://127.0.0.1:{PORT}/  (API docs: http://127.0.0.1:{PORT}/api/v1/docs/)")
    print("Web, Celery worker and Celery beat are up. Press Ctrl-C to stop all of them.")
    print("Demo logins:")
    for email, what, password in demo_logins():
        print(f"  {email:38} {password}   {what}")
    print("=" * 78 + "\n", flush=True)

    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} exited with status {process.returncode}; stopping the others.", flush=True)
                stop()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
