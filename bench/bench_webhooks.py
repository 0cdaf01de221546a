"""Delay from commit to webhook delivery: a ticket is opened (``ticket.created`` is recorded in its
transaction), and the time until a local receiver has the signed POST is measured, p50 and p95.

A real Celery worker (prefork, concurrency 2, as ``make run``) and beat run against a scratch database
`<app db>_bench_webhooks` on a queue of their own; the path is the production one: the commit wakes the
bus's dispatcher, the webhooks consumer fans the event out, and the send task it queues POSTs it. Two
runs: one ticket at a time (each waits for its delivery: the latency of an idle system), then a burst of
tickets opened back to back (queueing included). Target: p95 under 5 s, aim under 1 s.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ACCORD_TESTING", "0")
os.environ["ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS"] = "1"  # the receiver is on 127.0.0.1

import django

from bench.scratch import scratch_database
from tenants.connections import role_urls

ROOT = Path(__file__).resolve().parents[1]
ONE_AT_A_TIME = int(os.environ.get("ACCORD_BENCH_WEBHOOKS", "40"))
BURST = int(os.environ.get("ACCORD_BENCH_WEBHOOK_BURST", "40"))


class Arrivals:
    """ticket id -> time.time() the receiver had its ticket.created POST."""

    def __init__(self):
        self.at: dict[int, float] = {}
        self.condition = threading.Condition()

    def wait_for(self, ticket_ids, timeout: float) -> bool:
        with self.condition:
            return self.condition.wait_for(lambda: all(t in self.at for t in ticket_ids), timeout=timeout)


def start_receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            now = time.time()
            message = json.loads(body)
            with arrivals.condition:
                arrivals.at.setdefault(message["data"]["ticket"]["id"], now)
                arrivals.condition.notify_all()
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    django.setup()
    with scratch_database("bench_webhooks") as bench_name:
        run(bench_name)


def run(bench_name: str) -> None:

    from clients import services as client_services
    from config.celery import app as celery_app
    from tenants.models import Tenant
    from tenants.scope import tenant_scope
    from tickets import services as ticket_services
    from webhooks import services as webhook_services

    arrivals = Arrivals()
    receiver = start_receiver(arrivals)
    tenant = Tenant.objects.create(name="Bench", slug="bench", timezone="UTC")
    with tenant_scope(tenant):
        client = client_services.create_client(name="Bench client")
        webhook_services.create_endpoint(
            url=f"http://127.0.0.1:{receiver.server_address[1]}/hooks", events=["ticket.created"]
        )

    queue = f"accord-bench-{uuid.uuid4().hex[:8]}"
    celery_app.conf.task_default_queue = queue  # this process's wake-ups go to the bench worker
    env = {**os.environ, **role_urls(bench_name), "ACCORD_CELERY_QUEUE": queue,
           "ACCORD_TESTING": "0"}  # fmt: skip
    logs = tempfile.TemporaryDirectory()
    worker_log = Path(logs.name) / "worker.log"
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--concurrency=2",
             "--without-mingle", "--without-gossip", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=worker_log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        ),
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=WARNING",
             "--schedule", str(Path(logs.name) / "beat-schedule")],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        ),
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "ready." not in worker_log.read_text():
            if time.monotonic() > deadline:
                raise SystemExit(f"the worker did not start:\n{worker_log.read_text()[-3000:]}")
            time.sleep(0.1)

        def open_ticket(title: str) -> tuple[int, float]:
            with tenant_scope(tenant):
                ticket = ticket_services.open_ticket(client=client, title=title)
            return ticket.pk, time.time()  # the scope's transaction has committed

        for n in range(3):  # warm up: imports, connections, first queries
            ticket_id, _ = open_ticket(f"Warm-up {n}")
            arrivals.wait_for([ticket_id], timeout=30)

        single = []
        for n in range(ONE_AT_A_TIME):
            ticket_id, committed = open_ticket(f"Bench ticket {n}")
            if not arrivals.wait_for([ticket_id], timeout=30):
                raise SystemExit(f"ticket {ticket_id} was not delivered within 30 s")
            single.append(arrivals.at[ticket_id] - committed)

        burst = [open_ticket(f"Burst ticket {n}") for n in range(BURST)]
        if not arrivals.wait_for([ticket_id for ticket_id, _ in burst], timeout=120):
            raise SystemExit("the burst was not delivered within 120 s")
        burst_delays = [arrivals.at[ticket_id] - committed for ticket_id, committed in burst]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        receiver.shutdown()
        logs.cleanup()

    def report(label: str, delays: list[float]) -> None:
        cuts = statistics.quantiles([d * 1000 for d in delays], n=20)
        p50, p95 = statistics.median(delays) * 1000, cuts[18]
        print(f"{label:<50} p50 {p50:6.0f} ms, p95 {p95:6.0f} ms, max {max(delays) * 1000:6.0f} ms "
              f"({len(delays)} deliveries; target p95 < 5000 ms, aim < 1000 ms)", flush=True)  # fmt: skip

    print()
    report("commit -> webhook delivery, one ticket at a time", single)
    report(f"commit -> webhook delivery, burst of {BURST} tickets", burst_delays)


if __name__ == "__main__":
    main()
