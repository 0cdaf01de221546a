"""The check the scale benchmark prints: what sharding by tenant_id (Citus) would need from the schema."""

import pytest
from django.db import connection

from bench.sharding_readiness import (
    FOREIGN_KEY,
    KINDS,
    NO_TENANT_COLUMN,
    PRIMARY_KEY,
    UNIQUE,
    report,
    sharding_gaps,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def gaps():
    with connection.cursor() as cursor:
        return sharding_gaps(cursor)


def of_kind(gaps, kind, table):
    return [gap.detail for gap in gaps if gap.kind == kind and gap.table == table]


def test_tables_without_tenant_id_are_listed_as_reference_tables_or_to_fix(gaps):
    no_tenant = {gap.table for gap in gaps if gap.kind == NO_TENANT_COLUMN}
    assert {"tenants_tenant", "django_migrations"} <= no_tenant
    assert "tickets_ticket" not in no_tenant


def test_a_primary_key_on_id_alone_is_a_gap_of_a_tenant_table(gaps):
    assert of_kind(gaps, PRIMARY_KEY, "tickets_ticket") == ["tickets_ticket_pkey (id)"]
    assert not of_kind(gaps, PRIMARY_KEY, "tenants_tenant")  # not tenant-owned: a reference table


def test_unique_constraints_that_hold_tenant_id_are_ready(gaps):
    listed = " ".join(gap.detail for gap in gaps if gap.kind == UNIQUE)
    assert "ticket_number_unique_per_tenant" not in listed
    assert "one_clock_per_ticket_metric" not in listed


def test_foreign_keys_between_tenant_tables_on_id_alone_are_gaps(gaps):
    clock_keys = of_kind(gaps, FOREIGN_KEY, "tickets_slaclock")
    assert any("(calendar_id) -> service_levels_businesscalendar (id)" in detail for detail in clock_keys)
    # Its key to its ticket names the tenant, (tenant_id, ticket_id): co-located, no gap. Nor is the tenant_id
    # column's own key, to tenants_tenant, a reference table.
    assert not any("(ticket_id)" in detail or "tickets_ticket" in detail for detail in clock_keys)
    assert not any("tenant_id" in detail.split("->")[0] for detail in clock_keys)


def test_the_report_counts_each_kind_then_names_the_tables(gaps):
    lines = report(gaps)
    counts = [line for line in lines if not line.startswith(" ")]
    assert [line.split(":")[0] for line in counts] == list(KINDS)
    assert sum(int(line.rsplit(":", 1)[1]) for line in counts) == len(gaps)
    assert any("tickets_slaclock: " in line for line in lines)
