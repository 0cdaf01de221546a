"""The trigram index of the top-bar search over tickets (by title); skipped without pg_trgm
(tenants/trigram.py)."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations

import tenants.trigram


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0004_search_trigram_indexes"),
        ("service_levels", "0002_history"),
        ("tenants", "0012_require_two_factor_default_in_the_database"),
        ("tickets", "0005_time_entry_coverage_source"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        tenants.trigram.AddTrigramIndex(
            model_name="ticket",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("title"), name="gin_trgm_ops"
                ),
                name="ticket_title_trgm_idx",
            ),
        ),
    ]
