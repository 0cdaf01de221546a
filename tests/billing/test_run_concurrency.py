"""Acceptance: two billing runs started at the same moment, in two real processes against the real
database, issue each due period once, with a numbering that has no gap and no duplicate; each billable
time entry lands on one invoice; a third run issues nothing."""

import os
import re
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from billing.models import Invoice, InvoiceLine
from memberships.periods import periods_from
from tenants.scope import tenant_scope
from tests.billing.run_setup import catalog, customer, subscribe, technician, work
from tests.databases import database_env

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
RUN_DAY = date(2026, 12, 1)

# Each process waits for the starting gun (a file), then runs the command; small chunks make the two
# runs take turns through the clients rather than one finishing before the other starts.
RUNNER = textwrap.dedent(
    """
    import sys, time, django
    from pathlib import Path
    django.setup()
    from django.core.management import call_command
    go, deadline = Path(sys.argv[1]), time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit("the starting gun never fired")
        time.sleep(0.002)
    call_command("run_billing", "--on", sys.argv[2], "--tenant", sys.argv[3], verbosity=2)
    """
)


@pytest.fixture
def book(tenant):
    """24 members started between August and November (catch-up: 2 to 5 periods each) and 24 billable
    time entries, some on members, some on clients without a membership."""
    with time_machine.travel(datetime(2026, 12, 1, 3, tzinfo=UTC), tick=False):
        plans = catalog(tenant)
        tech = technician(tenant)
        subscriptions = []
        for n in range(24):
            client = customer(tenant, f"Client {n:02d} Residence")
            started = date(2026, 8 + n % 4, 1 + n % 28)
            subscriptions.append(
                subscribe(tenant, client, started_on=started, tier=plans.gold, riders=[plans.premium])
            )
            if n % 2 == 0:
                work(tenant, client, on=date(2026, 11, 2 + n), minutes=30 + n, tech=tech)
        for n in range(12):
            studio = customer(tenant, f"Studio {n:02d}")
            work(tenant, studio, on=date(2026, 11, 3 + n), minutes=45, tech=tech)
    return subscriptions


def expected_periods(subscriptions) -> set[tuple[int, date]]:
    return {
        (s.pk, period.start)
        for s in subscriptions
        for period in periods_from(s.started_on, until=RUN_DAY, cycle="monthly", anchor_day=s.anchor_day)
    }


def start_runs(tenant, tmp_path, count: int) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        **database_env(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ACCORD_BILLING_CHUNK_SIZE": "3",
    }
    tmp_path.mkdir(parents=True, exist_ok=True)
    go = tmp_path / "go"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(go), RUN_DAY.isoformat(), tenant.slug],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    time.sleep(2)  # let both import Django and wait at the line
    go.touch()
    return runs


def finish(run: subprocess.Popen) -> str:
    try:
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, err
    return out


def test_two_runs_at_once_issue_each_period_once_with_gapless_numbers(tenant, book, tmp_path):
    outputs = [finish(run) for run in start_runs(tenant, tmp_path, 2)]

    with tenant_scope(tenant):
        invoices = list(
            Invoice.objects.values_list("subscription_id", "period_start", "kind", "sequence", "number")
        )
        entry_lines = Counter(
            InvoiceLine.objects.filter(time_entry__isnull=False).values_list("time_entry_id", flat=True)
        )
        entries_billable = 24 // 2 + 12
    issued_by = [set(re.findall(r"INV-2026-\d{6}", output)) for output in outputs]
    memberships = Counter((sub, start) for sub, start, kind, _, _ in invoices if kind == "subscription")
    assert set(memberships) == expected_periods(book)
    assert set(memberships.values()) == {1}  # each period once
    sequences = sorted(sequence for *_, sequence, _ in invoices)
    assert sequences == list(range(1, len(invoices) + 1))  # no gap, no duplicate
    assert not issued_by[0] & issued_by[1]
    assert issued_by[0] | issued_by[1] == {number for *_, number in invoices}
    assert len(entry_lines) == entries_billable
    assert set(entry_lines.values()) == {1}

    (third,) = [finish(run) for run in start_runs(tenant, tmp_path / "again", 1)]
    assert "Issued 0 invoices" in third
    with tenant_scope(tenant):
        assert Invoice.objects.count() == len(invoices)
