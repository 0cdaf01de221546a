"""The tickets' status index carries the priority, client and assignee (issue 18): the SLA board and the open
count narrowed by priority, client or technician read the open tickets from the index alone. On the scale
benchmark (3,245 open P1 tickets of 10,030) the board filtered to P1 read them from the heap after a bitmap
scan: 74.6 ms a page for the big tenant against 28.2 for the small one (2.6 times); from the index, 49.4
(1.7 times). Priority, client and assignee were already indexed columns of the ticket (the created-order
index includes them), so no update that was HOT stops being HOT.

Built CONCURRENTLY (outside a transaction) before the old index is dropped: the lists keep an index to walk,
and writers of tickets are not blocked while two million rows are read. A build that failed part-way is
dropped and built again when migrate runs again (tenants.concurrent_indexes)."""

from django.contrib.postgres.operations import RemoveIndexConcurrently
from django.db import migrations, models

from tenants.concurrent_indexes import ResumableAddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0021_breach_checks_its_clock_and_ticket_at_once"),
    ]

    operations = [
        ResumableAddIndexConcurrently(
            model_name="ticket",
            index=models.Index(
                fields=["tenant", "status", "-created_at", "-id"],
                include=("priority", "client", "assignee"),
                name="ticket_status_covering_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="ticket", name="ticket_tenant_status_idx"),
    ]
