"""The scale benchmark's load drops the bulk tables' secondary indexes for the copy and builds them again."""

import io

import pytest
from django.db import connection

from bench.bench_scale import Say, secondary_indexes_dropped

pytestmark = pytest.mark.django_db

TABLE = "tickets_slabreach"  # a unique constraint (one breach per clock) beside plain and composite indexes


def indexes_and_constraints(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        indexes = set(cursor.fetchall())
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), conindid::regclass::text FROM pg_constraint"
            " WHERE conrelid = %s::regclass",
            [table],
        )
        return indexes, set(cursor.fetchall())


def test_only_the_primary_key_is_left_during_the_copy_and_everything_comes_back_after_it():
    before = indexes_and_constraints(TABLE)
    out = io.StringIO()
    with secondary_indexes_dropped(connection.settings_dict["NAME"], [TABLE], Say(out)):
        indexes, constraints = indexes_and_constraints(TABLE)
        assert {name for name, _ in indexes} == {f"{TABLE}_pkey"}
        assert "tickets_slabreach_clock_id_key" not in {name for name, _, _ in constraints}
        assert any(kind.startswith("FOREIGN KEY") for _, kind, _ in constraints)  # foreign keys stay
    assert indexes_and_constraints(TABLE) == before
    assert "indexes built again" in out.getvalue()
