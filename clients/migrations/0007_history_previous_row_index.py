"""The history tables' (tenant_id, pgh_obj_id, pgh_id) index, built CONCURRENTLY: see
tenants/migrations/0019_history_previous_row_index.py."""

from django.db import migrations, models

from tenants.concurrent_indexes import ResumableAddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clients", "0006_search_indexes_lead_with_tenant"),
        ("tenants", "0019_history_previous_row_index"),
    ]

    operations = [
        ResumableAddIndexConcurrently(
            model_name="clientevent",
            index=models.Index(fields=["tenant", "pgh_obj", "pgh_id"], name="client_evt_prev"),
        ),
        ResumableAddIndexConcurrently(
            model_name="contactevent",
            index=models.Index(fields=["tenant", "pgh_obj", "pgh_id"], name="contact_evt_prev"),
        ),
        ResumableAddIndexConcurrently(
            model_name="siteevent",
            index=models.Index(fields=["tenant", "pgh_obj", "pgh_id"], name="site_evt_prev"),
        ),
    ]
