"""Sending deliveries in-process to a real local HTTP receiver: signatures that verify with the
standardwebhooks library, retries on the backoff schedule, timeouts, refused connections, leases that
keep two workers apart and expire when a worker dies, secret rotation, and "send again".

Time is controlled with time-machine (travelling forward to the next retry); the receiver is real."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from events.dispatch import dispatch_until_idle
from tenants.scope import tenant_scope
from tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory
from tickets import services as ticket_services
from webhooks import delivery, services
from webhooks.delivery import claim_next, retry_delay, send_deliveries, send_due
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_urls_allowed")]

START = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


@pytest.fixture
def endpoint(tenant, receiver):
    with tenant_scope(tenant):
        return services.create_endpoint(url=receiver.url, events=["ticket.created", "ticket.updated"])


def open_ticket_and_fan_out(desk, tenant, title="Projector flickers"):
    """Open a ticket; the event bus hands ``ticket.created`` to the webhooks consumer, which makes one
    delivery per endpoint that wants it (returned)."""
    with tenant_scope(tenant):
        ticket = ticket_services.open_ticket(client=desk["client"], title=title, priority="P2")
    dispatch_until_idle()
    with tenant_scope(tenant):
        deliveries = WebhookDelivery.objects.filter(
            event__name="ticket.created", event__payload__ticket_id=ticket.pk
        )
        return ticket, list(deliveries.order_by("id"))


def send_all(tenant, deliveries):
    return send_deliveries(tenant, [d.pk for d in deliveries])


def reload(row):
    with tenant_scope(row.tenant):
        return WebhookDelivery.objects.get(pk=row.pk)


def attempts_of(row):
    with tenant_scope(row.tenant):
        return list(WebhookAttempt.objects.filter(delivery_id=row.pk).order_by("number"))


# --- The message ------------------------------------------------------------------------------------


def test_a_delivery_is_signed_so_that_the_standardwebhooks_library_verifies_it(
    desk, tenant, endpoint, receiver, clock
):
    ticket, deliveries = open_ticket_and_fan_out(desk, tenant)

    assert send_all(tenant, deliveries).succeeded == 1
    [request] = receiver.requests
    message = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert message["type"] == "ticket.created"
    assert abs(datetime.fromisoformat(message["timestamp"]) - ticket.created_at) < timedelta(seconds=1)
    assert message["data"]["ticket"]["number"] == ticket.number
    assert message["data"]["ticket"]["client"] == {"id": desk["client"].pk, "name": "Whitaker Residence"}
    assert request.webhook_id.startswith("msg_")
    assert request.webhook_id == deliveries[0].message_id
    assert abs(int(request.headers["webhook-timestamp"]) - START.timestamp()) < 5
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["content-type"] == "application/json"
    assert request.path == "/hooks/accord"


def test_a_message_signed_with_another_secret_does_not_verify(desk, tenant, endpoint, receiver, clock):
    _, deliveries = open_ticket_and_fan_out(desk, tenant)
    send_all(tenant, deliveries)
    [request] = receiver.requests

    with pytest.raises(Exception, match="No matching signature"):
        Webhook(WebhookEndpointFactory.build().secret).verify(request.body, request.headers)


def test_a_success_is_logged_with_status_timing_and_the_start_of_the_answer(
    desk, tenant, endpoint, receiver, clock
):
    _, [sent] = open_ticket_and_fan_out(desk, tenant)
    send_all(tenant, [sent])

    row = reload(sent)
    assert (row.status, row.attempts, row.failures, row.last_status_code) == (
        DeliveryStatus.SUCCEEDED,
        1,
        0,
        200,
    )
    assert row.next_attempt_at is None
    assert row.claimed_until is None
    [attempt] = attempts_of(sent)
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, "")
    assert attempt.response_body == "answered 200"
    assert 0 <= attempt.duration_ms < 5000


# --- Retries ----------------------------------------------------------------------------------------


def test_the_default_retry_schedule_is_the_specifications_and_lasts_more_than_a_day():
    delays = [retry_delay(failures) for failures in range(1, 9)]

    assert delays[:7] == [
        timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
        timedelta(hours=5), timedelta(hours=10), timedelta(hours=10),
    ]  # fmt: skip
    assert delays[7] is None  # the eighth failure gives up
    assert sum(delays[:7], timedelta()) > timedelta(hours=24)


def test_a_500_is_retried_after_5_seconds_then_5_minutes_with_the_same_webhook_id(
    desk, tenant, endpoint, receiver, clock
):
    receiver.answers = [500, 500, 200]
    _, [sent] = open_ticket_and_fan_out(desk, tenant)

    send_all(tenant, [sent])
    row = reload(sent)
    assert (row.status, row.failures, row.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    assert row.last_error.startswith("HTTP 500")
    first_retry = row.next_attempt_at
    assert timedelta(seconds=4) < first_retry - START < timedelta(seconds=7)

    assert send_due().sent == 0  # not due yet
    clock.move_to(first_retry + timedelta(milliseconds=10))
    assert send_due().sent == 1
    row = reload(sent)
    assert timedelta(minutes=5) <= row.next_attempt_at - first_retry < timedelta(minutes=5, seconds=3)

    clock.move_to(row.next_attempt_at + timedelta(milliseconds=10))
    assert send_due().succeeded == 1
    assert reload(sent).status == DeliveryStatus.SUCCEEDED
    assert [r.webhook_id for r in receiver.requests] == [sent.message_id] * 3
    assert [a.status_code for a in attempts_of(sent)] == [500, 500, 200]


def test_a_delivery_gives_up_when_the_schedule_is_spent(desk, tenant, endpoint, receiver, clock, settings):
    settings.ACCORD_WEBHOOK_RETRY_SCHEDULE = [1, 2]
    receiver.answers = [503]
    _, [sent] = open_ticket_and_fan_out(desk, tenant)

    send_all(tenant, [sent])
    for _ in range(2):
        clock.move_to(reload(sent).next_attempt_at + timedelta(milliseconds=10))
        send_due()

    row = reload(sent)
    assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.FAILED, 3, None)
    assert len(receiver.requests) == 3
    clock.shift(timedelta(days=2))
    assert send_due().sent == 0


def test_no_answer_within_the_timeout_is_a_failed_attempt(desk, tenant, endpoint, receiver, clock, settings):
    settings.ACCORD_WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.hold()
    _, [sent] = open_ticket_and_fan_out(desk, tenant)

    send_all(tenant, [sent])
    receiver.release()

    [attempt] = attempts_of(sent)
    assert (attempt.status_code, attempt.error) == (None, "No answer within 0.5 s.")
    assert 450 <= attempt.duration_ms < 3000
    assert reload(sent).status == DeliveryStatus.PENDING


def test_a_refused_connection_is_a_failed_attempt(tenant, clock):
    with tenant_scope(tenant):
        closed_port = services.create_endpoint(url="http://127.0.0.1:9/nothing", events=["ticket.created"])
    pending = WebhookDeliveryFactory(endpoint=closed_port)

    send_all(tenant, [pending])

    [attempt] = attempts_of(pending)
    assert attempt.error == "Connection refused."
    assert reload(pending).failures == 1


def test_a_redirect_is_not_followed(desk, tenant, endpoint, receiver, clock):
    receiver.answers = [302]
    _, [sent] = open_ticket_and_fan_out(desk, tenant)

    send_all(tenant, [sent])

    assert len(receiver.requests) == 1
    assert "redirects are not followed" in reload(sent).last_error


def test_an_endpoint_that_now_resolves_to_a_private_address_is_not_sent_to(
    desk, tenant, endpoint, receiver, clock, settings
):
    _, [pending] = open_ticket_and_fan_out(desk, tenant)
    settings.ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS = False  # as in production: 127.0.0.1 is refused at send time

    send_all(tenant, [pending])

    assert receiver.requests == []
    assert "non-public address" in attempts_of(pending)[0].error


# --- Claims and leases ------------------------------------------------------------------------------


def test_a_claimed_delivery_is_not_claimed_again_while_its_lease_holds(tenant, clock):
    pending = WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(tenant=tenant))

    with tenant_scope(tenant):
        first = claim_next(now=START + timedelta(seconds=1))
        second = claim_next(now=START + timedelta(seconds=30))
        after_the_lease = claim_next(now=START + timedelta(seconds=62))

    assert first.delivery_id == pending.pk
    assert first.attempt == 1
    assert second is None
    assert after_the_lease.delivery_id == pending.pk
    assert after_the_lease.attempt == 2
    assert after_the_lease.expired_lease is not None


def test_a_delivery_whose_worker_died_mid_send_is_sent_again_once_its_lease_expires(
    desk, tenant, endpoint, receiver, clock
):
    _, [pending] = open_ticket_and_fan_out(desk, tenant)
    with tenant_scope(tenant):
        claimed_at = timezone.now()
        claim_next(now=claimed_at)  # a worker claims it, then dies before sending

    assert send_due().sent == 0  # the lease still holds
    clock.move_to(claimed_at + timedelta(seconds=delivery.lease_seconds() + 1))
    assert send_due().succeeded == 1

    assert [r.webhook_id for r in receiver.requests] == [pending.message_id]
    lost, sent = attempts_of(pending)
    assert (lost.number, lost.status_code) == (1, None)
    assert "worker sending it stopped" in lost.error
    assert (sent.number, sent.status_code) == (2, 200)
    assert reload(pending).status == DeliveryStatus.SUCCEEDED


def test_an_answer_that_comes_after_the_lease_was_taken_over_decides_nothing(
    desk, tenant, endpoint, receiver, clock
):
    _, [pending] = open_ticket_and_fan_out(desk, tenant)
    with tenant_scope(tenant):
        slow = claim_next(now=timezone.now())
        taken_over = claim_next(now=timezone.now() + timedelta(seconds=delivery.lease_seconds() + 1))

    delivery.send_claimed(slow, tenant=tenant)  # the slow worker's answer arrives late

    row = reload(pending)
    assert row.status == DeliveryStatus.PENDING
    assert row.claim_token == taken_over.token
    delivery.send_claimed(taken_over, tenant=tenant)
    assert reload(pending).status == DeliveryStatus.SUCCEEDED


# --- Secrets, disabling, sending again --------------------------------------------------------------


def test_after_a_rotation_both_secrets_sign_for_a_day_then_only_the_new_one(
    desk, tenant, endpoint, receiver, clock
):
    old_secret = endpoint.secret
    with tenant_scope(tenant):
        rotated = services.rotate_secret(endpoint)
    assert rotated.secret != old_secret

    _, deliveries = open_ticket_and_fan_out(desk, tenant)
    send_all(tenant, deliveries)
    [during] = receiver.requests
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    for secret in (old_secret, rotated.secret):
        Webhook(secret).verify(during.body, during.headers)

    clock.shift(timedelta(hours=24, seconds=1))
    _, later = open_ticket_and_fan_out(desk, tenant, title="Doorbell offline")
    send_all(tenant, later)
    after = receiver.requests[1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    Webhook(rotated.secret).verify(after.body, after.headers)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(old_secret).verify(after.body, after.headers)


def test_disabling_an_endpoint_stops_its_pending_deliveries_and_new_events_skip_it(
    desk, tenant, endpoint, receiver, clock
):
    _, [pending] = open_ticket_and_fan_out(desk, tenant)
    with tenant_scope(tenant):
        services.set_enabled(endpoint, False, reason="Partner migrating")

    assert send_due().sent == 0
    assert reload(pending).status == DeliveryStatus.FAILED
    assert "disabled" in reload(pending).last_error
    _, none = open_ticket_and_fan_out(desk, tenant, title="Soundbar silent")
    assert none == []
    assert receiver.requests == []


def test_send_again_resends_a_failed_delivery_with_the_same_webhook_id(
    desk, tenant, endpoint, receiver, clock, settings
):
    settings.ACCORD_WEBHOOK_RETRY_SCHEDULE = []
    receiver.answers = [500, 200]
    _, [sent] = open_ticket_and_fan_out(desk, tenant)
    send_all(tenant, [sent])
    assert reload(sent).status == DeliveryStatus.FAILED

    with tenant_scope(tenant):
        again = services.send_again(reload(sent))
    send_all(tenant, [again])

    assert reload(sent).status == DeliveryStatus.SUCCEEDED
    assert [r.webhook_id for r in receiver.requests] == [sent.message_id] * 2
    assert receiver.requests[0].body == receiver.requests[1].body


def test_deliveries_of_another_tenant_are_not_claimed_in_this_tenants_scope(tenant, other_tenant, clock):
    theirs = WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(tenant=other_tenant))

    with tenant_scope(tenant):
        assert claim_next(now=START + timedelta(seconds=1)) is None
        assert claim_next(now=START + timedelta(seconds=1), only=[theirs.pk]) is None


def test_a_delivery_whose_endpoint_is_deleted_after_the_claim_is_dropped_quietly(tenant, clock):
    endpoint = WebhookEndpointFactory(tenant=tenant)
    WebhookDeliveryFactory(endpoint=endpoint)
    with tenant_scope(tenant):
        claim = claim_next(now=timezone.now())
        services.delete_endpoint(endpoint)

    assert delivery.send_claimed(claim, tenant=tenant) is False
