"""The trigram index of the top-bar search over agreements (by their version's title); skipped without
pg_trgm (tenants/trigram.py)."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations

import tenants.trigram


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0004_search_trigram_indexes"),
        ("contracts", "0011_supplements_end_with_their_agreement"),
        ("tenants", "0012_require_two_factor_default_in_the_database"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        tenants.trigram.AddTrigramIndex(
            model_name="contractversion",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("title"), name="gin_trgm_ops"
                ),
                name="version_title_trgm_idx",
            ),
        ),
    ]
