"""`manage.py event_deliveries`: where each consumer of the bus stands, what failed, and putting failed
deliveries back to pending."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from events import bus
from events.dispatch import dispatch_pending, retry_delay
from events.models import DeliveryStatus, EventDelivery
from events.services import record_event, retry_failed_deliveries
from tenants.scope import cross_tenant, tenant_scope

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
EVENT = "test.thing_happened"  # no real consumer listens to it


def run(*args, at=T0 + timedelta(seconds=5)) -> str:
    out = io.StringIO()
    with time_machine.travel(at, tick=False):
        call_command("event_deliveries", *args, stdout=out)
    return out.getvalue()


def record(tenant, count=1):
    with time_machine.travel(T0, tick=False), tenant_scope(tenant):
        for number in range(count):
            record_event(EVENT, number=number)


def fail_for_good(consumer):
    with cross_tenant("the consumer gave up"):
        EventDelivery.objects.filter(consumer=consumer).update(status=DeliveryStatus.FAILED)


def statuses(consumer):
    with cross_tenant("tests read every delivery"):
        deliveries = EventDelivery.objects.filter(consumer=consumer).order_by("id")
        return list(deliveries.values_list("status", flat=True))


def columns(line):
    """A table line's cells: columns are two or more spaces apart, words within a cell one."""
    return re.split(r" {2,}", line.strip())


def table_rows(output):
    """The summary table's rows by consumer (the first column)."""
    table = output.split("\n\n")[0].splitlines()[1:]
    return {columns(line)[0]: columns(line) for line in table}


def test_the_summary_counts_each_consumers_deliveries_in_aligned_columns(tenant, other_tenant, consumers):
    consumers("test.steady", EVENT)
    consumers("test.flaky", EVENT, fail_times=1)  # the first event fails once, the second goes through
    consumers("test.broken", EVENT)
    record(tenant)
    record(other_tenant)
    fail_for_good("test.broken")
    dispatch_pending(now=T0)

    output = run()

    lines = output.splitlines()
    assert lines[0].split("  ")[0] == "consumer"
    header, *rows = lines[: lines.index("")]
    assert {len(line) for line in [header, *rows[:-1]]} == {len(header)}  # counts end in one column
    assert table_rows(output)["test.steady"] == ["test.steady", "0", "0", "0", "2", "-"]
    assert table_rows(output)["test.flaky"] == ["test.flaky", "0", "1", "0", "1", "5 s"]
    assert table_rows(output)["test.broken"] == ["test.broken", "0", "0", "2", "0", "-"]
    assert columns(rows[-1]) == ["total", "0", "1", "2", "3"]


def test_the_summary_shows_what_is_due_now_and_the_oldest_pending_age(tenant, consumers):
    consumers("test.flaky", EVENT, fail_times=1)
    record(tenant)
    dispatch_pending(now=T0)

    due_again = T0 + retry_delay(1) + timedelta(hours=2, minutes=3)
    row = table_rows(run(at=due_again))["test.flaky"]
    assert row == ["test.flaky", "1", "0", "0", "0", "2 h 3 min"]


def test_the_summary_gives_each_failing_consumers_last_error_and_marks_a_removed_one(tenant, consumers):
    def explode(event):
        raise RuntimeError("receiver refused\nmore detail that stays out")

    consumers("test.broken", EVENT, handler=explode)
    consumers("test.removed", EVENT)
    record(tenant)
    bus._subscriptions.pop("test.removed")
    at = T0
    for _ in range(20):
        dispatch_pending(now=at)
        at += timedelta(hours=2)

    output = run(at=at)

    with cross_tenant("find the failed rows"):
        broken_id = EventDelivery.objects.get(consumer="test.broken").pk
        removed_id = EventDelivery.objects.get(consumer="test.removed").pk
    assert table_rows(output)["test.removed (not subscribed)"][3] == "1"
    assert f"  test.broken (delivery {broken_id}): RuntimeError: receiver refused\n" in output
    gone = "No handler is subscribed as 'test.removed' in this process"
    assert f"  test.removed (delivery {removed_id}): {gone}\n" in output
    assert "more detail" not in output


def test_the_summary_points_at_a_consumer_that_failed_without_a_handler_and_has_one_now(tenant, consumers):
    consumers("test.new", EVENT)
    record(tenant)  # by the new code, which has the consumer
    new_consumer = bus._subscriptions.pop("test.new")
    dispatch_pending(now=T0)  # by an old worker, which has not
    bus._subscriptions["test.new"] = new_consumer  # the deploy finished

    assert "retry with --retry-failed --consumer test.new" in run()


def test_failed_lists_each_failed_delivery_with_its_tenant_and_the_first_line_of_its_error(
    tenant, other_tenant, consumers
):
    def explode(event):
        raise RuntimeError("receiver refused\nsecond line")

    consumers("test.broken", EVENT, handler=explode)
    consumers("test.fine", EVENT)
    record(tenant)
    record(other_tenant)
    at = T0
    for _ in range(20):
        dispatch_pending(now=at)
        at += timedelta(hours=2)
    with cross_tenant("find the failed rows"):
        first, second = EventDelivery.objects.filter(consumer="test.broken").order_by("id")

    lines = run("--failed").splitlines()

    assert lines[0] == "2 failed deliveries."
    assert columns(lines[1]) == ["id", "tenant", "event", "consumer", "attempts", "last error"]
    assert columns(lines[2]) == [
        str(first.pk),
        tenant.slug,
        EVENT,
        "test.broken",
        "12",
        "RuntimeError: receiver refused",
    ]
    assert columns(lines[3])[:2] == [str(second.pk), other_tenant.slug]
    assert len(lines) == 4


def test_retry_failed_puts_one_consumers_failed_deliveries_back_to_pending_due_now(tenant, consumers):
    seen = consumers("test.recovered", EVENT)
    consumers("test.other", EVENT)
    record(tenant, count=2)
    fail_for_good("test.recovered")
    fail_for_good("test.other")

    assert run("--retry-failed", "--consumer", "test.recovered") == (
        "2 failed deliveries of test.recovered are pending again, due now.\n"
    )
    with cross_tenant("check the reset"):
        retried = EventDelivery.objects.filter(consumer="test.recovered")
        reset = {(DeliveryStatus.PENDING, 0, None)}
        assert set(retried.values_list("status", "attempts", "available_at")) == reset
    assert statuses("test.other") == [DeliveryStatus.FAILED] * 2

    dispatch_pending(now=T0)
    assert len(seen) == 2
    assert statuses("test.recovered") == [DeliveryStatus.DONE] * 2


def test_retry_takes_given_ids_and_leaves_deliveries_that_are_not_failed_alone(tenant, consumers):
    consumers("test.broken", EVENT)
    consumers("test.fine", EVENT)
    record(tenant, count=3)
    fail_for_good("test.broken")
    with cross_tenant("pick ids"):
        first, _, third = EventDelivery.objects.filter(consumer="test.broken").order_by("id")
        pending = EventDelivery.objects.filter(consumer="test.fine").first()

    output = run("--retry", str(first.pk), str(third.pk), str(pending.pk))

    assert output.splitlines()[0] == "2 of 3 given deliveries were failed and are pending again."
    assert statuses("test.broken") == [DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.PENDING]
    assert statuses("test.fine") == [DeliveryStatus.PENDING] * 3


def test_retrying_twice_retries_nothing_the_second_time(tenant, consumers):
    consumers("test.broken", EVENT)
    record(tenant)
    fail_for_good("test.broken")
    assert retry_failed_deliveries(consumer="test.broken") == 1
    assert retry_failed_deliveries(consumer="test.broken") == 0


def test_consumer_alone_is_refused_because_it_filters_nothing_in_the_summary(db):
    with pytest.raises(CommandError, match="--consumer goes with"):
        call_command("event_deliveries", "--consumer", "test.any", stdout=io.StringIO())
