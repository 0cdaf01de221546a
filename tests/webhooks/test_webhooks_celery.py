"""Acceptance, with real Celery worker and beat processes on Redis and a real local receiver:

- a ticket opened through the API reaches a registered endpoint within 5 s of the commit, once, with a
  signature that verifies with the endpoint's secret; a receiver that answers 500 twice then 200 gets
  the same webhook-id three times and the delivery shows as succeeded;
- a worker killed (SIGKILL) between claim and answer loses no event: once its lease expires the
  delivery is sent again, with the same webhook-id;
- two workers racing never send one event twice to one endpoint.

The processes use the test database (data committed: transactional test) and a queue of their own,
which this process's tasks (the bus's wake-up after a commit) are routed to as well. Retries wait 1 s
instead of minutes (``ACCORD_WEBHOOK_RETRY_SCHEDULE``). Waiting is on conditions, never a fixed guess.
"""

import time
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from config.celery import app as celery_app
from tenants.scope import cross_tenant, tenant_scope
from tests.api.conftest import api_client
from tests.factories import api_key_for
from tests.tickets.test_breach_timer_celery import CeleryProcesses
from tests.webhooks.receiver import Receiver
from tickets import services as ticket_services
from webhooks import services
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_integration]

LEASE_SECONDS = 4  # raised to timeout + 5 = 7 s by the sender: a killed worker's delivery waits that long
TIMEOUT_SECONDS = 2


@pytest.fixture
def workers(tmp_path, settings):
    processes = CeleryProcesses(tmp_path)
    processes.env.update({
        "ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS": "1",
        "ACCORD_WEBHOOK_RETRY_SCHEDULE": "1,1,1,1,1",
        "ACCORD_WEBHOOK_SWEEP_SECONDS": "0.5",
        "ACCORD_WEBHOOK_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
        "ACCORD_WEBHOOK_LEASE_SECONDS": str(LEASE_SECONDS),
        "ACCORD_DISPATCH_SECONDS": "1",
    })  # fmt: skip
    # What this process queues after a commit (the bus's wake-up) goes to the test workers' queue.
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = processes.queue
    settings.ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS = True
    yield processes
    celery_app.conf.task_default_queue = default_queue
    processes.stop_all()


def start(workers: CeleryProcesses, *names: str, beat: bool = True) -> None:
    """Start workers (and beat) and wait until every worker says it is ready."""
    for name in names:
        workers.worker(name)
    if beat:
        workers.beat()
    deadline = time.monotonic() + 40
    for name in names:
        log = Path(workers.tmp / f"{name}.log")
        while "ready." not in (log.read_text() if log.exists() else ""):
            assert time.monotonic() < deadline, workers.logs()
            time.sleep(0.1)


def wait_until(condition, timeout: float, workers: CeleryProcesses):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.1)
    return result


def deliveries(**filters) -> list[WebhookDelivery]:
    with cross_tenant("the test watches what the workers record"):
        return list(WebhookDelivery.objects.filter(**filters).order_by("id"))


@pytest.fixture
def partner():
    receivers = []

    def make(*answers, think_seconds=0.0):
        receivers.append(Receiver(list(answers) or [200], think_seconds=think_seconds).start())
        return receivers[-1]

    yield make
    for receiver in receivers:
        receiver.stop()


def test_a_ticket_opened_through_the_api_is_delivered_signed_within_5_s_and_retried_with_one_webhook_id(
    desk, tenant, workers, partner
):
    ok, flaky = partner(200), partner(500, 500, 200)
    api = api_client(api_key_for(tenant, ["read", "write"])[1])
    endpoints = [
        api.post(
            "/api/v1/webhook-endpoints/", {"url": r.url, "events": ["ticket.created"]}, format="json"
        ).json()
        for r in (ok, flaky)
    ]
    start(workers, "w1")

    response = api.post(
        "/api/v1/tickets/", {"client": desk["client"].pk, "title": "Rack UPS alarm"}, format="json"
    )
    committed = time.time()  # the request's transaction commits before the answer is returned

    assert response.status_code == 201, response.content
    [request] = ok.wait_for(1, timeout=10)
    assert request.at - committed < 5
    message = Webhook(endpoints[0]["secret"]).verify(request.body, request.headers)
    assert message["type"] == "ticket.created"
    assert message["data"]["ticket"]["id"] == response.json()["id"]

    retried = flaky.wait_for(3, timeout=20)
    assert len(retried) == 3, workers.logs()
    assert len({r.webhook_id for r in retried}) == 1
    Webhook(endpoints[1]["secret"]).verify(retried[-1].body, retried[-1].headers)
    flaky_delivery = wait_until(
        lambda: next(iter(deliveries(endpoint_id=endpoints[1]["id"], status=DeliveryStatus.SUCCEEDED)), None),
        timeout=10,
        workers=workers,
    )
    listed = api.get(f"/api/v1/webhook-deliveries/?endpoint={endpoints[1]['id']}").json()["results"]
    assert [(row["status"], row["attempts"]) for row in listed] == [("succeeded", 3)]
    assert [a["status_code"] for a in listed[0]["attempt_log"]] == [200, 500, 500]
    assert listed[0]["webhook_id"] == flaky_delivery.message_id == retried[0].webhook_id
    assert len(ok.requests) == 1  # the healthy endpoint got its one delivery, no more


def test_a_worker_killed_between_claim_and_answer_loses_no_event(desk, tenant, workers, partner):
    receiver = partner(200)
    with tenant_scope(tenant):
        endpoint = services.create_endpoint(url=receiver.url, events=["ticket.created"])
    start(workers, "w1")
    receiver.hold()  # the first request gets no answer: the worker is stuck between claim and answer

    for title in ("Gate camera offline", "Sonos zone drops", "Projector flickers"):
        with tenant_scope(tenant):
            ticket_services.open_ticket(client=desk["client"], title=title, priority="P2")
    [first] = receiver.wait_for(1, timeout=15)
    workers.kill("w1")
    receiver.release()
    workers.worker("w2")

    sent = wait_until(
        lambda: (
            (rows := deliveries(endpoint=endpoint))
            and all(d.status == DeliveryStatus.SUCCEEDED for d in rows)
            and len(rows) == 3
            and rows
        ),
        timeout=40,
        workers=workers,
    )
    received = [r.webhook_id for r in receiver.requests]
    assert {d.message_id for d in sent} == set(received)  # every event arrived
    assert received.count(first.webhook_id) == 2  # the lost attempt, then its retry with the same id
    assert len(received) == 4
    with cross_tenant("read the killed delivery's attempts"):
        killed = WebhookDelivery.objects.get(message_id=first.webhook_id)
        log = list(WebhookAttempt.objects.filter(delivery=killed).order_by("number"))
    assert "worker sending it stopped" in log[0].error
    assert log[-1].status_code == 200


def test_two_workers_racing_never_send_one_event_twice_to_one_endpoint(desk, tenant, workers, partner):
    receiver = partner(200, think_seconds=0.05)  # a slow partner widens the window for a race
    with tenant_scope(tenant):
        endpoint = services.create_endpoint(url=receiver.url, events=["ticket.created", "ticket.updated"])
    start(workers, "w1", "w2")

    for number in range(12):
        with tenant_scope(tenant):
            ticket = ticket_services.open_ticket(client=desk["client"], title=f"Zone {number} silent")
            ticket_services.change_status(ticket, "in_progress", actor="dispatch")

    sent = wait_until(
        lambda: (
            (rows := deliveries(endpoint=endpoint))
            and len(rows) == 24
            and all(d.status == DeliveryStatus.SUCCEEDED for d in rows)
            and rows
        ),
        timeout=40,
        workers=workers,
    )
    received = [r.webhook_id for r in receiver.requests]
    assert sorted(received) == sorted(d.message_id for d in sent)  # each exactly once
    assert {d.attempts for d in sent} == {1}
    for name in ("w1", "w2"):  # both took part
        assert "webhooks.tasks." in (workers.tmp / f"{name}.log").read_text(), workers.logs()
