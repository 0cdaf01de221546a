"""Events written from SQL (the SLA sweeper's, ``events.services.OUTBOX_CTE``) carry no deliveries: the
dispatcher makes them, once each, before it claims, and until then they are neither lost nor purged."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from events.dispatch import dispatch_pending, dispatch_until_idle, purge_old_events
from events.models import DeliveryStatus, EventDelivery, OutboxEvent
from events.services import create_pending_deliveries, outbox_cte, settle_as_history
from tenants.scope import cross_tenant, tenant_scope
from tests.concurrency import race

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)


def write_from_sql(*events: tuple[object, str, dict]) -> list[int]:
    """``(tenant, name, payload)`` events written as the sweeper writes its own, in one statement."""
    outbox, params = outbox_cte("rows")
    with cross_tenant("tests write events as the sweeper does"), connection.cursor() as cursor:
        cursor.execute(
            "WITH rows AS (SELECT * FROM"
            " unnest(%(tenants)s::bigint[], %(names)s::text[], %(payloads)s::jsonb[])"
            f" WITH ORDINALITY AS row (tenant_id, name, payload, position)), {outbox}"
            " SELECT id FROM outbox ORDER BY id",
            {
                "tenants": [tenant.pk for tenant, _, _ in events],
                "names": [name for _, name, _ in events],
                "payloads": [json.dumps(payload) for _, _, payload in events],
                **params,
            },
        )
        return [event_id for (event_id,) in cursor.fetchall()]


def deliveries_of(event_ids) -> list[tuple[int, str, str]]:
    with cross_tenant("tests read every delivery"):
        return list(
            EventDelivery.objects.filter(event_id__in=event_ids)
            .order_by("id")
            .values_list("event_id", "consumer", "status")
        )


def awaiting() -> list[int]:
    with cross_tenant("tests read every event"):
        return list(
            OutboxEvent.objects.filter(awaiting_deliveries=True).order_by("pk").values_list("pk", flat=True)
        )


def test_the_dispatcher_gives_them_a_delivery_per_consumer_in_event_order_and_hands_them_out_in_that_pass(
    tenant, other_tenant, consumers
):
    seen = consumers("test.alerts", "probe.*")
    consumers("test.breaches", "probe.breached")
    ids = write_from_sql(
        (tenant, "probe.warning", {"clock_id": 1}),
        (other_tenant, "probe.breached", {"clock_id": 2}),
        (tenant, "probe.breached", {"clock_id": 1}),
    )
    assert deliveries_of(ids) == []
    assert awaiting() == ids

    result = dispatch_pending(now=T0)

    assert result.given_deliveries == 3
    assert awaiting() == []
    made = deliveries_of(ids)
    assert [(event_id, consumer) for event_id, consumer, _ in made] == [
        (ids[0], "test.alerts"),
        (ids[1], "test.alerts"), (ids[1], "test.breaches"),
        (ids[2], "test.alerts"), (ids[2], "test.breaches"),
    ]  # fmt: skip
    assert {status for _, _, status in made} == {DeliveryStatus.DONE}
    # Each in its tenant, a tenant's in event order.
    assert [name for name, _, tenant_id, _ in seen if tenant_id == tenant.pk] == [
        "probe.warning",
        "probe.breached",
    ]
    assert [name for name, _, tenant_id, _ in seen if tenant_id == other_tenant.pk] == ["probe.breached"]


def test_a_consumer_gets_no_delivery_where_its_wanted_where_is_false_for_the_event(
    tenant, other_tenant, consumers
):
    consumers("test.everyone", "probe.breached")
    consumers("test.only_one_tenant", "probe.breached", wanted_where=f"outbox.tenant_id = {int(tenant.pk)}")
    mine, theirs = write_from_sql((tenant, "probe.breached", {}), (other_tenant, "probe.breached", {}))
    create_pending_deliveries()
    assert [(event_id, consumer) for event_id, consumer, _ in deliveries_of([mine, theirs])] == [
        (mine, "test.everyone"), (mine, "test.only_one_tenant"), (theirs, "test.everyone"),
    ]  # fmt: skip


def test_an_event_no_consumer_wants_stops_awaiting_without_a_delivery(tenant, consumers):
    [event_id] = write_from_sql((tenant, "nobody.listens", {}))
    assert create_pending_deliveries() == 1
    assert awaiting() == []
    assert deliveries_of([event_id]) == []


def test_a_pass_that_rolls_back_leaves_its_events_awaiting_for_the_next(tenant, consumers):
    consumers("test.alerts", "probe.breached")
    [event_id] = write_from_sql((tenant, "probe.breached", {}))
    with transaction.atomic():
        create_pending_deliveries()
        transaction.set_rollback(True)  # the worker died before its pass committed
    assert awaiting() == [event_id]
    create_pending_deliveries()
    assert [consumer for _, consumer, _ in deliveries_of([event_id])] == ["test.alerts"]


def test_each_batch_takes_the_oldest_and_the_next_pass_the_rest(tenant, consumers):
    consumers("test.alerts", "probe.breached")
    ids = write_from_sql(*[(tenant, "probe.breached", {"n": n}) for n in range(5)])
    assert create_pending_deliveries(batch=2) == 2
    assert awaiting() == ids[2:]
    assert dispatch_until_idle(now=T0) == 5
    assert awaiting() == []


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_racing_make_each_events_deliveries_once(tenant, consumers):
    seen = consumers("test.race", "probe.breached")
    ids = write_from_sql(*[(tenant, "probe.breached", {"n": n}) for n in range(40)])

    def drain():
        while dispatch_pending(now=T0, batch=3).handled:
            pass

    race(drain)
    assert sorted(event_id for event_id, _, _ in deliveries_of(ids)) == ids
    assert sorted(payload["n"] for _, payload, _, _ in seen) == list(range(40))


def test_seeded_history_written_from_sql_is_settled_and_nobody_is_told(tenant, consumers):
    seen = consumers("test.alerts", "probe.warning")
    ids = write_from_sql((tenant, "probe.warning", {}), (tenant, "probe.warning", {}))
    with tenant_scope(tenant):  # as the demo load settles its tenant's history
        assert settle_as_history(ids, now=T0) == 2
    dispatch_until_idle(now=T0)
    assert seen == []
    assert [status for _, _, status in deliveries_of(ids)] == [DeliveryStatus.DONE] * 2


def test_an_event_still_awaiting_its_deliveries_is_never_purged(tenant, consumers, settings):
    settings.ACCORD_EVENT_RETENTION_DAYS = 30
    [event_id] = write_from_sql((tenant, "probe.breached", {}))
    with cross_tenant("age the event"):
        OutboxEvent.objects.update(occurred_at=T0 - timedelta(days=365))
    assert purge_old_events(now=T0) == 0
    assert awaiting() == [event_id]


def test_operators_see_how_many_events_await_their_deliveries(tenant, capsys):
    write_from_sql((tenant, "probe.breached", {}), (tenant, "probe.warning", {}))
    call_command("event_deliveries")
    out = capsys.readouterr().out
    assert out.startswith("2 events (the oldest ")
    assert "old) await their deliveries" in out
    create_pending_deliveries()
    call_command("event_deliveries")
    assert "await their deliveries" not in capsys.readouterr().out
