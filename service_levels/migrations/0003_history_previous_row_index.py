"""Each history table's rows of one object in order (tenant_id, pgh_obj_id, pgh_id): the audit log diffs an
update against the object's row before it, which the single-column pgh_obj_id index found only by sorting
every row of the object (5,000 for a client changed that often: 400 ms for a page of the log). Built without blocking
the writers of history (CONCURRENTLY, outside a transaction); a build that failed part-way is dropped and
built again when migrate runs again (tenants.concurrent_indexes)."""

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
