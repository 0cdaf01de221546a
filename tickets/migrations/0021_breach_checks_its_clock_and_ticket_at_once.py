"""A breach's clock and ticket checked in one foreign key instead of two (issue 18: the SLA sweeper writes
breaches by the hundred, each foreign key a check per row at commit).

The breach's (tenant_id, clock_id, ticket_id) references the clock's (tenant_id, id, ticket_id), so a breach
names its clock's own ticket; and the clock's key to its ticket becomes (tenant_id, ticket_id), so that ticket
is of the clock's tenant, as the breach's separate key to the ticket made sure before. The clock's unique
(tenant_id, id) grows the ticket to be what the breach references; lists by tenant and id read its prefix.
The clock's own index on ticket_id goes: one_clock_per_ticket_metric (tenant_id, ticket_id, metric) serves
every lookup of a ticket's clocks, which all name the tenant, and the sweeper's claim writes one index less
per clock. So does the breach's: a ticket's breaches are deleted with its clocks (the breach's ticket is its
clock's), never looked up by ticket_id alone.

Both keys are added NOT VALID and validated after, as 0017's were meant to be read: the validation takes a
lock that lets the sweeper and ticket actions go on."""

import django.db.models.deletion
from django.db import migrations, models

DROP_BREACH_KEYS = [
    "ALTER TABLE tickets_slabreach DROP CONSTRAINT sla_breach_clock_of_tenant_fk",
    "ALTER TABLE tickets_slabreach DROP CONSTRAINT sla_breach_ticket_of_tenant_fk",
]
OLD_BREACH_KEYS = [
    "ALTER TABLE tickets_slabreach ADD CONSTRAINT sla_breach_clock_of_tenant_fk"
    " FOREIGN KEY (tenant_id, clock_id) REFERENCES tickets_slaclock (tenant_id, id)"
    " DEFERRABLE INITIALLY DEFERRED",
    "ALTER TABLE tickets_slabreach ADD CONSTRAINT sla_breach_ticket_of_tenant_fk"
    " FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets_ticket (tenant_id, id)"
    " DEFERRABLE INITIALLY DEFERRED",
]
NEW_KEYS = [
    "ALTER TABLE tickets_slaclock ADD CONSTRAINT sla_clock_ticket_of_tenant_fk"
    " FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets_ticket (tenant_id, id)"
    " DEFERRABLE INITIALLY DEFERRED NOT VALID",
    "ALTER TABLE tickets_slabreach ADD CONSTRAINT sla_breach_clock_of_tenant_fk"
    " FOREIGN KEY (tenant_id, clock_id, ticket_id) REFERENCES tickets_slaclock (tenant_id, id, ticket_id)"
    " DEFERRABLE INITIALLY DEFERRED NOT VALID",
    "ALTER TABLE tickets_slaclock VALIDATE CONSTRAINT sla_clock_ticket_of_tenant_fk",
    "ALTER TABLE tickets_slabreach VALIDATE CONSTRAINT sla_breach_clock_of_tenant_fk",
]
DROP_NEW_KEYS = [
    "ALTER TABLE tickets_slabreach DROP CONSTRAINT sla_breach_clock_of_tenant_fk",
    "ALTER TABLE tickets_slaclock DROP CONSTRAINT sla_clock_ticket_of_tenant_fk",
]


class Migration(migrations.Migration):
    dependencies = [
        ("service_levels", "0002_history"),
        ("tenants", "0017_text_contains_pattern"),
        ("tickets", "0020_ticket_search_indexes_lead_with_tenant"),
    ]

    operations = [
        migrations.RunSQL(DROP_BREACH_KEYS, reverse_sql=OLD_BREACH_KEYS),
        migrations.RemoveConstraint(model_name="slaclock", name="sla_clock_tenant_id_key"),
        migrations.AlterField(
            model_name="slaclock",
            name="ticket",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="clocks",
                to="tickets.ticket",
            ),
        ),
        migrations.AlterField(
            model_name="slabreach",
            name="ticket",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="breaches",
                to="tickets.ticket",
            ),
        ),
        migrations.AddConstraint(
            model_name="slaclock",
            constraint=models.UniqueConstraint(
                fields=("tenant", "id", "ticket"), name="sla_clock_tenant_id_ticket_key"
            ),
        ),
        migrations.RunSQL(NEW_KEYS, reverse_sql=DROP_NEW_KEYS),
    ]
