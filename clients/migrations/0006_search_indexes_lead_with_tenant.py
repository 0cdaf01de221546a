"""The search's trigram indexes of clients, contacts and sites lead with the tenant (btree_gin), as the
tickets' do (tickets/migrations/0020, tenants.trigram.tenant_trigram_index): a tenant's search no longer
reads the other tenants' matches. Built concurrently (not atomic); each old index dropped once its new one
serves."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models

import tenants.trigram


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clients", "0005_search_functions"),
    ]

    operations = [
        tenants.trigram.CreateBtreeGinExtensionIfAvailable(),
        tenants.trigram.AddTenantTrigramIndex(
            model_name="client",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("tenant"),
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("name"), name="gin_trgm_ops"
                ),
                name="client_tenant_name_trgm_idx",
            ),
        ),
        tenants.trigram.RemoveTrigramIndexConcurrently(model_name="client", name="client_name_trgm_idx"),
        tenants.trigram.AddTenantTrigramIndex(
            model_name="client",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("tenant"),
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("email"), name="gin_trgm_ops"
                ),
                name="client_tenant_email_trgm_idx",
            ),
        ),
        tenants.trigram.RemoveTrigramIndexConcurrently(model_name="client", name="client_email_trgm_idx"),
        tenants.trigram.AddTenantTrigramIndex(
            model_name="contact",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("tenant"),
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("full_name"), name="gin_trgm_ops"
                ),
                name="contact_tenant_name_trgm_idx",
            ),
        ),
        tenants.trigram.RemoveTrigramIndexConcurrently(model_name="contact", name="contact_name_trgm_idx"),
        tenants.trigram.AddTenantTrigramIndex(
            model_name="contact",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("tenant"),
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("email"), name="gin_trgm_ops"
                ),
                name="contact_tenant_email_trgm_idx",
            ),
        ),
        tenants.trigram.RemoveTrigramIndexConcurrently(model_name="contact", name="contact_email_trgm_idx"),
        tenants.trigram.AddTenantTrigramIndex(
            model_name="site",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("tenant"),
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("name"), name="gin_trgm_ops"
                ),
                name="site_tenant_name_trgm_idx",
            ),
        ),
        tenants.trigram.RemoveTrigramIndexConcurrently(model_name="site", name="site_name_trgm_idx"),
        tenants.trigram.AddTenantTrigramIndex(
            model_name="site",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("tenant"),
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("address_line1"), name="gin_trgm_ops"
                ),
                name="site_tenant_address_trgm_idx",
            ),
        ),
        tenants.trigram.RemoveTrigramIndexConcurrently(model_name="site", name="site_address_trgm_idx"),
        tenants.trigram.AddTenantTrigramIndex(
            model_name="site",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("tenant"),
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("city"), name="gin_trgm_ops"
                ),
                name="site_tenant_city_trgm_idx",
            ),
        ),
        tenants.trigram.RemoveTrigramIndexConcurrently(model_name="site", name="site_city_trgm_idx"),
    ]
