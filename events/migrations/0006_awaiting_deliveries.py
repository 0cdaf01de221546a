"""Events written from SQL carry no deliveries: the dispatcher makes them (issue 18). The SLA sweeper's pass
wrote a pending delivery per consumer beside each event (a row, four index entries and a foreign-key check
each); without them a pass of 100 breaches measured 6.6-6.8 ms instead of 8.0-8.2 on the scale benchmark.

The column's constant default costs no table rewrite, and the index is built without blocking the writers of
every change (CONCURRENTLY, outside a transaction): it holds only the few events awaiting deliveries. A build
that failed part-way is dropped and built again when migrate runs again (tenants.concurrent_indexes)."""

from tenants.concurrent_indexes import ResumableAddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("events", "0005_event_tenant_without_foreign_key_check"),
        ("tenants", "0017_text_contains_pattern"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxevent",
            name="awaiting_deliveries",
            field=models.BooleanField(db_default=False),
        ),
        ResumableAddIndexConcurrently(
            model_name="outboxevent",
            index=models.Index(
                condition=models.Q(("awaiting_deliveries", True)), fields=["id"], name="outbox_awaiting_idx"
            ),
        ),
    ]
