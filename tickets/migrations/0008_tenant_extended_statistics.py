"""Statistics on (tenant, status) and (tenant, state) together.

PostgreSQL estimates ``tenant_id = 1 AND status IN (open…)`` as the share of open tickets in the whole table
times the tenant's share, assuming the two independent. They are not: one tenant with a million closed
tickets beside another with a million running clocks made it expect 480,000 open tickets where there were
10,000, and the SLA board walked every ticket of the tenant. A multivariate MCV list keeps the frequent pairs.
"""

from django.db import migrations

STATISTICS = [
    ("ticket_tenant_status_stats", "tenant_id, status", "tickets_ticket"),
    ("sla_clock_tenant_state_stats", "tenant_id, state", "tickets_slaclock"),
]


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_list_search_and_cursor_indexes")]

    operations = [
        migrations.RunSQL(
            f"CREATE STATISTICS IF NOT EXISTS {name} (mcv) ON {columns} FROM {table}; ANALYZE {table}",
            f"DROP STATISTICS IF EXISTS {name}",
        )
        for name, columns, table in STATISTICS
    ]
