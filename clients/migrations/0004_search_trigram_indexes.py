"""pg_trgm and the trigram indexes of the top-bar search over clients, contacts and sites.

Both are skipped where the server does not ship pg_trgm (the embedded PostgreSQL): tenants/trigram.py.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations

import tenants.trigram


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_site_service_area"),
        ("tenants", "0012_require_two_factor_default_in_the_database"),
    ]

    operations = [
        tenants.trigram.CreateTrigramExtensionIfAvailable(),
        tenants.trigram.AddTrigramIndex(
            model_name="client",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("name"), name="gin_trgm_ops"
                ),
                name="client_name_trgm_idx",
            ),
        ),
        tenants.trigram.AddTrigramIndex(
            model_name="client",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("email"), name="gin_trgm_ops"
                ),
                name="client_email_trgm_idx",
            ),
        ),
        tenants.trigram.AddTrigramIndex(
            model_name="contact",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("full_name"), name="gin_trgm_ops"
                ),
                name="contact_name_trgm_idx",
            ),
        ),
        tenants.trigram.AddTrigramIndex(
            model_name="contact",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("email"), name="gin_trgm_ops"
                ),
                name="contact_email_trgm_idx",
            ),
        ),
        tenants.trigram.AddTrigramIndex(
            model_name="site",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("name"), name="gin_trgm_ops"
                ),
                name="site_name_trgm_idx",
            ),
        ),
        tenants.trigram.AddTrigramIndex(
            model_name="site",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("address_line1"), name="gin_trgm_ops"
                ),
                name="site_address_trgm_idx",
            ),
        ),
        tenants.trigram.AddTrigramIndex(
            model_name="site",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("city"), name="gin_trgm_ops"
                ),
                name="site_city_trgm_idx",
            ),
        ),
    ]
