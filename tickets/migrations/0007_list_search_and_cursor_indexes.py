"""Indexes for lists that stay fast on a big tenant (issue 18): keyset pages of the staff ticket list,
the API's cursor (-id) on the big tables, the breach report's period, and the trigram index of ticket
descriptions for search (the title's is 0006; both skipped without pg_trgm, see tenants/trigram.py)."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

import tenants.trigram


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_history"),
        ("service_levels", "0002_history"),
        ("tenants", "0012_require_two_factor_default_in_the_database"),
        ("tickets", "0006_ticket_title_trigram_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
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
        tenants.trigram.AddTrigramIndex(
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
