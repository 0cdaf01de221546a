"""Indexes built on a big table without blocking its writers, and a build that failed part-way finished.

``CREATE INDEX CONCURRENTLY`` runs outside a transaction (a non-atomic migration) while the table keeps
taking writes. When it fails part-way (a statement or lock timeout, a cancelled deploy, a killed process)
PostgreSQL leaves an INVALID index of that name behind: no query uses it, every write still maintains it,
and the migration, not recorded as applied, then fails at once on "relation already exists" each time it
is run again. :class:`ResumableAddIndexConcurrently` drops such a leftover first (``DROP INDEX
CONCURRENTLY``, itself without blocking writers), so running ``migrate`` again finishes the job. A valid
index of the name is left alone: building over it fails as it should.
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently

INVALID_INDEX = """
    SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace AND NOT i.indisvalid
"""


def drop_invalid_index(schema_editor, name: str) -> bool:
    """Drop the index ``name`` if an interrupted concurrent build left it invalid; whether it did."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(INVALID_INDEX, [name])
        invalid = cursor.fetchone() is not None
    if invalid:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")
    return invalid


class ResumableAddIndexConcurrently(AddIndexConcurrently):
    """AddIndexConcurrently that first drops an invalid index of the same name left by a failed build."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._ensure_not_in_transaction(schema_editor)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            drop_invalid_index(schema_editor, self.index.name)
        super().database_forwards(app_label, schema_editor, from_state, to_state)
