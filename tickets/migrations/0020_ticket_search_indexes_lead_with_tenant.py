"""The ticket search's trigram indexes lead with the tenant (btree_gin): a tenant's search no longer reads
the other tenants' matches (tenants.trigram.tenant_trigram_index). Built concurrently, so the ticket table
keeps taking writes meanwhile (hence not atomic); the old indexes are dropped once the new ones serve."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models

import tenants.trigram


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0019_clock_running_late_index"),
    ]

    operations = [
        tenants.trigram.CreateBtreeGinExtensionIfAvailable(),
        tenants.trigram.AddTenantTrigramIndex(
            model_name="ticket",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("tenant"),
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("title"), name="gin_trgm_ops"
                ),
                name="ticket_tenant_title_trgm_idx",
            ),
        ),
        tenants.trigram.AddTenantTrigramIndex(
            model_name="ticket",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("tenant"),
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("description"), name="gin_trgm_ops"
                ),
                name="ticket_tenant_descr_trgm_idx",
            ),
        ),
        tenants.trigram.RemoveTrigramIndexConcurrently(model_name="ticket", name="ticket_title_trgm_idx"),
        tenants.trigram.RemoveTrigramIndexConcurrently(
            model_name="ticket", name="ticket_description_trgm_idx"
        ),
    ]
