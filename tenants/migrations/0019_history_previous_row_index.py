"""Each history table's rows of one object in order (tenant_id, pgh_obj_id, pgh_id): the audit log diffs an
update against the object's row before it, which the single-column pgh_obj_id index found only by sorting
every row of the object (5,000 for a client changed that often: 400 ms for a page of the log). Built without blocking
the writers of history (CONCURRENTLY, outside a transaction); a build that failed part-way is dropped and
built again when migrate runs again (tenants.concurrent_indexes)."""

from django.conf import settings
from django.db import migrations, models

from tenants.concurrent_indexes import ResumableAddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tenants", "0018_database_without_jit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        ResumableAddIndexConcurrently(
            model_name="staffmembershipevent",
            index=models.Index(fields=["tenant", "pgh_obj", "pgh_id"], name="staffmembership_evt_prev"),
        ),
        ResumableAddIndexConcurrently(
            model_name="tenantevent",
            index=models.Index(fields=["tenant_id", "pgh_obj", "pgh_id"], name="tenant_evt_prev"),
        ),
    ]
