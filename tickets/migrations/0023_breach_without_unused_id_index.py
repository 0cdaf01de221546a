"""The breaches' (tenant, id) index goes (issue 18): it served an API cursor by id that became the breach
report's keyset by deadline (sla_breach_tenant_due_idx), and no query has read it since (idx_scan 0 on the
scale benchmark after every list was measured). Each breach the sweeper records wrote an entry in it.
Dropped CONCURRENTLY: writers of breaches are not blocked."""

from django.contrib.postgres.operations import RemoveIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0022_open_tickets_by_status_covering"),
    ]

    operations = [
        RemoveIndexConcurrently(model_name="slabreach", name="sla_breach_tenant_id_idx"),
    ]
