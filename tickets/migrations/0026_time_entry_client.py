"""A time entry's client (tickets.models.TimeEntry.client), kept by triggers, copied once here.

- Insert, or a change of the entry's ticket: a BEFORE trigger sets the client from the ticket, whatever the
  writer passed (a bulk load with triggers off copies it itself).
- A ticket's change of client: its entries move with it (the reports have always counted an entry for its
  ticket's client of the day; tickets_timeentry_ticket_id_... leads with the ticket).

The column is added, the triggers created and the entries filled in one transaction: CREATE TRIGGER locks out
writes to both tables until it commits, so no entry is missed."""

import django.db.models.deletion
from django.db import migrations, models

CLIENT_TRIGGERS = """
CREATE FUNCTION tickets_time_entry_client() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT client_id INTO NEW.client_id FROM tickets_ticket WHERE id = NEW.ticket_id AND tenant_id = NEW.tenant_id;
    RETURN NEW;
END $$;

CREATE FUNCTION tickets_time_entries_follow_client() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets_timeentry SET client_id = NEW.client_id
    WHERE ticket_id = NEW.id AND client_id IS DISTINCT FROM NEW.client_id;
    RETURN NULL;
END $$;

CREATE TRIGGER tickets_time_entry_client BEFORE INSERT OR UPDATE OF ticket_id, client_id ON tickets_timeentry
    FOR EACH ROW EXECUTE FUNCTION tickets_time_entry_client();
CREATE TRIGGER tickets_time_entries_follow_client AFTER UPDATE ON tickets_ticket FOR EACH ROW
    WHEN (OLD.client_id IS DISTINCT FROM NEW.client_id)
    EXECUTE FUNCTION tickets_time_entries_follow_client();
"""

DROP_CLIENT_TRIGGERS = """
DROP TRIGGER tickets_time_entry_client ON tickets_timeentry;
DROP TRIGGER tickets_time_entries_follow_client ON tickets_ticket;
DROP FUNCTION tickets_time_entry_client();
DROP FUNCTION tickets_time_entries_follow_client();
"""

# The migrating (owner) role sees every tenant's rows (tenants/rls.py: the cross_tenant policy).
FILL_EXISTING = """
UPDATE tickets_timeentry e SET client_id = t.client_id FROM tickets_ticket t
WHERE t.id = e.ticket_id AND t.tenant_id = e.tenant_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0006_search_indexes_lead_with_tenant"),
        ("tickets", "0025_board_lead"),
    ]

    operations = [
        migrations.AddField(
            model_name="timeentry",
            name="client",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="clients.client",
            ),
        ),
        migrations.RunSQL(CLIENT_TRIGGERS, DROP_CLIENT_TRIGGERS),
        migrations.RunSQL(FILL_EXISTING, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="timeentry",
            name="client",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="clients.client",
            ),
        ),
        migrations.AddIndex(
            model_name="timeentry",
            index=models.Index(
                fields=["tenant", "worked_on"],
                include=("client", "minutes", "cost_rate", "covered"),
                name="time_entry_worked_idx",
            ),
        ),
    ]
