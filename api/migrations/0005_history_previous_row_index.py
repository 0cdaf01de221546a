"""The history tables' (tenant_id, pgh_obj_id, pgh_id) index, built CONCURRENTLY: see
tenants/migrations/0019_history_previous_row_index.py."""

from django.conf import settings
from django.db import migrations, models

from tenants.concurrent_indexes import ResumableAddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("api", "0004_key_owner_expiry_and_resource_scopes"),
        ("tenants", "0019_history_previous_row_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        ResumableAddIndexConcurrently(
            model_name="apikeyevent",
            index=models.Index(fields=["tenant", "pgh_obj", "pgh_id"], name="apikey_evt_prev"),
        ),
    ]
