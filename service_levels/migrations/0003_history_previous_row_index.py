"""The history tables' (tenant_id, pgh_obj_id, pgh_id) index, built CONCURRENTLY: see
tenants/migrations/0019_history_previous_row_index.py."""

from django.db import migrations, models

from tenants.concurrent_indexes import ResumableAddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("service_levels", "0002_history"),
        ("tenants", "0019_history_previous_row_index"),
    ]

    operations = [
        ResumableAddIndexConcurrently(
            model_name="businesscalendarevent",
            index=models.Index(fields=["tenant", "pgh_obj", "pgh_id"], name="businesscalendar_evt_prev"),
        ),
        ResumableAddIndexConcurrently(
            model_name="closuredayevent",
            index=models.Index(fields=["tenant", "pgh_obj", "pgh_id"], name="closureday_evt_prev"),
        ),
        ResumableAddIndexConcurrently(
            model_name="issuetypeevent",
            index=models.Index(fields=["tenant", "pgh_obj", "pgh_id"], name="issuetype_evt_prev"),
        ),
        ResumableAddIndexConcurrently(
            model_name="priorityruleevent",
            index=models.Index(fields=["tenant", "pgh_obj", "pgh_id"], name="priorityrule_evt_prev"),
        ),
        ResumableAddIndexConcurrently(
            model_name="slapolicyevent",
            index=models.Index(fields=["tenant", "pgh_obj", "pgh_id"], name="slapolicy_evt_prev"),
        ),
        ResumableAddIndexConcurrently(
            model_name="slatargetevent",
            index=models.Index(fields=["tenant", "pgh_obj", "pgh_id"], name="slatarget_evt_prev"),
        ),
    ]
