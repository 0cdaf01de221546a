"""A dispatcher process killed (SIGKILL) while it holds a claim loses nothing: its transaction rolls
back, the delivery is pending again, and the next pass hands the event to the consumer once."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.conf import settings

from events import bus
from events.dispatch import dispatch_pending
from events.models import DeliveryStatus, EventDelivery
from events.services import record_event
from tenants.scope import cross_tenant, tenant_scope
from tests.databases import database_env

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]

# The doomed worker subscribes a handler that announces it is running, then hangs until killed.
DOOMED_WORKER = textwrap.dedent(
    """
    import sys, time, django
    django.setup()
    from pathlib import Path
    from events import bus
    from events.dispatch import dispatch_pending

    def hang(event, *, now):
        Path(sys.argv[1]).write_text(str(event.pk))
        time.sleep(600)

    bus.subscribe("test.killed", "ticket.created")(hang)
    dispatch_pending()
    """
)


def wait_for(path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"the worker never reached its handler ({path})")
        time.sleep(0.05)


def test_a_worker_killed_mid_handler_leaves_the_event_for_the_next_pass(tenant, tmp_path):
    seen = []

    def handle(event, *, now):
        seen.append(event.payload["ticket_id"])

    # Deliveries are made for the consumers this process knows when the event is recorded; the
    # doomed worker's consumer is subscribed in that process, so its delivery is added by hand.
    with tenant_scope(tenant):
        event = record_event("ticket.created", ticket_id=42)
        EventDelivery.objects.create(tenant=tenant, event=event, consumer="test.killed")

    marker = tmp_path / "claimed"
    env = {**os.environ, **database_env(), "REDIS_URL": settings.REDIS_URL,
           "DJANGO_SETTINGS_MODULE": "config.settings"}  # fmt: skip
    worker = subprocess.Popen([sys.executable, "-c", DOOMED_WORKER, str(marker)], cwd=ROOT, env=env)
    try:
        wait_for(marker)
        # While the doomed worker holds the row, another pass skips it instead of running it twice.
        bus.subscribe("test.killed", "ticket.created")(handle)
        assert dispatch_pending().handled == 0
        assert seen == []
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()

    try:
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:  # the server notices the dead connection
            dispatch_pending()
            time.sleep(0.05)
        assert seen == [42]
        with cross_tenant("check the delivery"):
            delivery = EventDelivery.objects.get(consumer="test.killed")
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, 1)
    finally:
        bus._subscriptions.pop("test.killed", None)
