"""A concurrent index build that failed part-way leaves an invalid index behind; running the migration
again drops it and builds the index, where a plain AddIndexConcurrently failed on "already exists"."""

import pytest
from django.apps import apps
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import DatabaseError, connection, models
from django.db.migrations.state import ProjectState

from tenants.concurrent_indexes import ResumableAddIndexConcurrently, drop_invalid_index
from tenants.connections import as_owner
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "probe_client_tenant_idx"


def index_state(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname = %s",
            [name],
        )
        row = cursor.fetchone()
    return "missing" if row is None else "valid" if row[0] else "invalid"


@pytest.fixture
def owner():
    """The owner's connection (it owns the tables), the probe index dropped afterwards whatever happened."""
    with as_owner():
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX IF EXISTS {NAME}")


@pytest.fixture
def interrupted_build(tenant, owner):
    """What a build that failed part-way leaves: a unique index over duplicate values fails when it checks
    them, after the index was created, so it stays behind, invalid."""
    ClientFactory.create_batch(2, tenant=tenant)
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {NAME} ON clients_client (tenant_id)")
    assert index_state(NAME) == "invalid"


def add_probe_index(operation_class) -> None:
    before = ProjectState.from_apps(apps)
    after = before.clone()
    operation = operation_class(model_name="client", index=models.Index(fields=["tenant"], name=NAME))
    operation.state_forwards("clients", after)
    with connection.schema_editor(atomic=False) as editor:
        operation.database_forwards("clients", editor, before, after)


def test_running_the_migration_again_replaces_the_invalid_leftover_with_the_index(interrupted_build):
    add_probe_index(ResumableAddIndexConcurrently)
    assert index_state(NAME) == "valid"


def test_without_it_the_leftover_fails_every_later_run(interrupted_build):
    with pytest.raises(DatabaseError, match="already exists"):
        add_probe_index(AddIndexConcurrently)
    assert index_state(NAME) == "invalid"


def test_a_valid_index_of_the_name_is_never_dropped(owner):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX CONCURRENTLY {NAME} ON clients_client (tenant_id)")
    with connection.schema_editor(atomic=False) as editor:
        assert drop_invalid_index(editor, NAME) is False
    assert index_state(NAME) == "valid"
    with pytest.raises(DatabaseError, match="already exists"):
        add_probe_index(ResumableAddIndexConcurrently)
    assert index_state(NAME) == "valid"
