"""The contract version title's trigram index leads with the tenant (btree_gin), as the tickets' do
(tickets/migrations/0020, tenants.trigram.tenant_trigram_index). Built concurrently (not atomic)."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models

import tenants.trigram


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contracts", "0013_agreement_list_keyset_index"),
    ]

    operations = [
        tenants.trigram.CreateBtreeGinExtensionIfAvailable(),
        tenants.trigram.AddTenantTrigramIndex(
            model_name="contractversion",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("tenant"),
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("title"), name="gin_trgm_ops"
                ),
                name="version_tenant_title_trgm_idx",
            ),
        ),
        tenants.trigram.RemoveTrigramIndexConcurrently(
            model_name="contractversion", name="version_title_trgm_idx"
        ),
    ]
