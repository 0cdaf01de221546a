"""Acceptance: with a real Celery worker and beat on Redis, a 1-minute target on a 24/7 calendar is
recorded as breached within 10 s of its due time, exactly once, with two workers, and also when the
only worker was killed before the deadline and restarted after it.

The processes use the test database (data committed: transactional test) and a queue of their own.
Waiting here is real time by nature: it polls the database, it never sleeps a fixed guess.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from events.models import OutboxEvent
from service_levels.models import Metric
from tenants.scope import cross_tenant, tenant_scope
from tests.databases import database_env
from tickets import services
from tickets.models import SlaBreach, SlaClock

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_integration]

ROOT = Path(__file__).resolve().parents[2]


class CeleryProcesses:
    def __init__(self, tmp_path: Path):
        self.queue = f"accord-test-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ,
            **database_env(),
            "REDIS_URL": settings.REDIS_URL,
            "ACCORD_CELERY_QUEUE": self.queue,
            "ACCORD_SWEEP_SECONDS": "1",
            "ACCORD_TESTING": "0",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        self.tmp = tmp_path
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *args: str) -> None:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def worker(self, name: str) -> None:
        self.start(name, "worker", "--pool=solo", "-Q", self.queue, "-n", f"{name}@%h", "--without-mingle",
                   "--without-gossip", "--loglevel=INFO")  # fmt: skip

    def beat(self) -> None:
        self.start("beat", "beat", "--schedule", str(self.tmp / "beat-schedule"), "--loglevel=INFO")

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)  # no warm shutdown: as if the machine died
        process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            process = self.processes.pop(name)
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in self.tmp.glob("*.log"))


@pytest.fixture
def celery_processes(tmp_path):
    processes = CeleryProcesses(tmp_path)
    yield processes
    processes.stop_all()


def open_ticket_due_in(desk, tenant, seconds: int):
    """A P1 ticket whose 1-minute first-response clock (24/7) falls due ``seconds`` from now."""
    with tenant_scope(tenant):
        desk["policy"].targets.filter(priority="P1", metric=Metric.FIRST_RESPONSE).update(minutes=1)
        started = timezone.now() - timedelta(seconds=60 - seconds)
        ticket = services.open_ticket(
            client=desk["client"], title="Core switch down", priority="P1", now=started
        )
        return SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)


def wait_for_breach(clock, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with cross_tenant("watch for the breach the workers record"):
            breach = SlaBreach.objects.filter(clock=clock).first()
        if breach:
            return breach
        time.sleep(0.25)
    return None


def breach_records(clock) -> tuple[int, int]:
    with cross_tenant("count the breach records"):
        return (
            SlaBreach.objects.filter(clock=clock).count(),
            OutboxEvent.objects.filter(name="sla.breached", payload__clock_id=clock.pk).count(),
        )


def test_a_breach_is_recorded_within_10_s_and_once_with_two_workers(desk, tenant, celery_processes):
    celery_processes.worker("w1")
    celery_processes.worker("w2")
    celery_processes.beat()
    clock = open_ticket_due_in(desk, tenant, seconds=20)  # time for the processes to start
    breach = wait_for_breach(clock, timeout=20 + 15)
    assert breach is not None, celery_processes.logs()
    assert breach.recorded_at - clock.due_at <= timedelta(seconds=10)
    time.sleep(3)  # a few more sweeps by both workers: still one record
    assert breach_records(clock) == (1, 1)


def test_a_breach_survives_a_worker_killed_before_the_deadline(desk, tenant, celery_processes):
    celery_processes.worker("w1")
    celery_processes.beat()
    clock = open_ticket_due_in(desk, tenant, seconds=15)
    time.sleep(8)  # the worker is up and sweeping; the clock is not due yet
    celery_processes.kill("w1")
    with cross_tenant("check nothing was recorded early"):
        assert not SlaBreach.objects.filter(clock=clock).exists()
    while timezone.now() < clock.due_at + timedelta(seconds=3):
        time.sleep(0.25)
    celery_processes.worker("w1-restarted")
    breach = wait_for_breach(clock, timeout=30)
    assert breach is not None, celery_processes.logs()
    time.sleep(3)
    assert breach_records(clock) == (1, 1)
