"""The billing run's Celery tasks: beat's hourly pass queues each active tenant whose local hour has
reached its run hour; the tenant's run issues what is due, reports its progress for the run page, and
issues nothing when repeated."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core.cache import cache

from billing import run_progress, tasks
from billing.models import InvoiceEvent
from billing.runs import RunProgress
from tenants.scope import tenant_scope
from tests.billing.run_setup import catalog, company_settings, customer, invoices_of, subscribe
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_run_record(tenant):
    cache.delete(run_progress.record_key(tenant.pk))
    yield
    cache.delete(run_progress.record_key(tenant.pk))


def due_at(moment: datetime) -> list[str]:
    with time_machine.travel(moment, tick=False):
        return [tenant.slug for tenant in tasks.tenants_due_for_billing()]


def test_beat_runs_the_billing_pass_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["billing-run"]
    assert entry["task"] == "billing.tasks.run_due_billing"
    assert entry["schedule"] == crontab(minute=7)


def test_a_tenant_is_due_from_its_local_run_hour_on(tenant):
    london = TenantFactory(slug="harbor", timezone="Europe/London")
    TenantFactory(slug="dormant", is_active=False)

    assert due_at(datetime(2026, 12, 1, 5, 59, tzinfo=UTC)) == []
    # 06:00 in London, 01:00 in New York
    assert due_at(datetime(2026, 12, 1, 6, 0, tzinfo=UTC)) == [london.slug]
    # 06:00 in New York
    assert due_at(datetime(2026, 12, 1, 11, 0, tzinfo=UTC)) == [tenant.slug, london.slug]
    # 23:59 in New York: still due (a repeated hour issues nothing); 04:59 in London: not yet today
    assert due_at(datetime(2026, 12, 2, 4, 59, tzinfo=UTC)) == [tenant.slug]


def test_a_tenant_with_a_later_run_hour_waits_for_it(tenant):
    company_settings(tenant, run_hour=9)

    assert due_at(datetime(2026, 12, 1, 13, 59, tzinfo=UTC)) == []  # 08:59 in New York
    assert due_at(datetime(2026, 12, 1, 14, 0, tzinfo=UTC)) == [tenant.slug]


def test_the_hourly_pass_queues_a_run_for_each_tenant_due(tenant):
    TenantFactory(slug="later", timezone="Pacific/Honolulu")

    noon = datetime(2026, 12, 1, 12, tzinfo=UTC)  # 07:00 in New York, 02:00 in Honolulu
    with time_machine.travel(noon, tick=False), mock.patch.object(tasks.bill_tenant, "delay") as queued:
        assert tasks.run_due_billing() == 1

    queued.assert_called_once_with(tenant_id=tenant.pk)


def test_a_tenants_run_issues_what_is_due_and_reports_it(tenant):
    plans = catalog(tenant)
    subscribe(tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 12, 1), tier=plans.gold)

    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC), tick=False):
        run_progress.queued(tenant.pk, started_by="Olivia Owens <owner@example.com>")
        summary = tasks.bill_tenant.apply(
            kwargs={"tenant_id": tenant.pk, "started_by": "Olivia Owens <owner@example.com>"}
        ).get()
        record = run_progress.current(tenant.pk)

    assert (summary["invoices"], summary["numbers"], summary["totals"]) == (
        1,
        ["INV-2026-000001"],
        {"USD": "100.00"},
    )
    assert (record["state"], record["processed"], record["total"], record["active"]) == ("done", 1, 1, False)
    assert record["summary"] == summary
    with tenant_scope(tenant):
        (history,) = InvoiceEvent.objects.all()
    assert history.actor == "Olivia Owens <owner@example.com>"


def test_a_repeated_run_issues_nothing(tenant):
    plans = catalog(tenant)
    subscribe(tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 12, 1), tier=plans.gold)

    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC), tick=False):
        tasks.bill_tenant.apply(kwargs={"tenant_id": tenant.pk}).get()
        again = tasks.bill_tenant.apply(kwargs={"tenant_id": tenant.pk}).get()

    assert again["invoices"] == 0
    assert run_progress.current(tenant.pk)["started_by"] == "system (billing run)"
    assert len(invoices_of(tenant)) == 1


def test_a_run_that_breaks_says_so_on_the_page_and_fails_the_task(tenant, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(tasks, "run_billing", broken)

    with pytest.raises(RuntimeError):
        tasks.bill_tenant.apply(kwargs={"tenant_id": tenant.pk}, throw=True).get()

    record = run_progress.current(tenant.pk)
    assert (record["state"], record["error"], record["active"]) == ("failed", "the database went away", False)


def test_progress_is_reported_as_the_run_goes_and_a_silent_run_is_shown_as_stalled(tenant):
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC), tick=False) as clock:
        run_progress.queued(tenant.pk, started_by="Olivia Owens")
        queued = run_progress.current(tenant.pk)
        run_progress.started(tenant.pk, started_by="Olivia Owens")
        run_progress.advanced(RunProgress(tenant, 200, 1000))
        running = run_progress.current(tenant.pk)
        clock.shift(timedelta(minutes=16))
        silent = run_progress.current(tenant.pk)

    assert (queued["state"], queued["active"], queued["total"]) == ("queued", True, None)
    assert (running["state"], running["processed"], running["total"], running["active"]) == (
        "running",
        200,
        1000,
        True,
    )
    assert (silent["stalled"], silent["active"]) == (True, False)
