"""Indexes for lists that stay fast on a big tenant (issue 18): keyset pages of the staff ticket list,
the API's cursor (-id) on the big tables, the breach report's period, and trigram indexes for ticket search.
pg_trgm is a trusted extension (PostgreSQL 13+), so the owner role that runs migrations may create it; it is
IF NOT EXISTS, so another app's TrigramExtension() beside this one is harmless.

The embedded PostgreSQL of a fresh laptop (pgserver, config/embedded.py) ships no contrib modules, so no
pg_trgm: there the extension and the two trigram indexes are left out and search reads the tenant's rows
(fine at demo size). The migration state has the indexes either way."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.conf import settings
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


def trigram_available(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        return cursor.fetchone() is not None


class TrigramExtensionIfAvailable(TrigramExtension):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if trigram_available(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass  # another app may use it (a global search); dropping the indexes is enough


class TrigramIndexIfAvailable(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if trigram_available(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_history"),
        ("service_levels", "0002_history"),
        ("tenants", "0012_require_two_factor_default_in_the_database"),
        ("tickets", "0003_evidence_guards"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        TrigramExtensionIfAvailable(),
        migrations.AddIndex(
            model_name="reply",
            index=models.Index(fields=["tenant", "-id"], name="reply_tenant_id_idx"),
        ),
        migrations.AddIndex(
            model_name="slabreach",
            index=models.Index(fields=["tenant", "-due_at", "-id"], name="sla_breach_tenant_due_idx"),
        ),
        migrations.AddIndex(
            model_name="slabreach",
            index=models.Index(fields=["tenant", "-id"], name="sla_breach_tenant_id_idx"),
        ),
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(fields=["tenant", "-id"], name="sla_clock_tenant_id_idx"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["tenant", "-created_at", "-id"], name="ticket_tenant_created_idx"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["tenant", "-updated_at", "-id"], name="ticket_tenant_updated_idx"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["tenant", "-id"], name="ticket_tenant_id_idx"),
        ),
        TrigramIndexIfAvailable(
            model_name="ticket",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("title"), name="gin_trgm_ops"
                ),
                name="ticket_title_trgm_idx",
            ),
        ),
        TrigramIndexIfAvailable(
            model_name="ticket",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("description"), name="gin_trgm_ops"
                ),
                name="ticket_description_trgm_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="timeentry",
            index=models.Index(fields=["tenant", "-id"], name="time_entry_tenant_id_idx"),
        ),
    ]
