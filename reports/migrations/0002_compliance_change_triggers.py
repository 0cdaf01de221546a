"""Triggers that mark the days whose SLA compliance changed (reports.models.ComplianceChange).

Statement-level, with transition tables: one INSERT per statement whatever it touched (the sweeper's pass
over 100 clocks adds one), and nothing for an UPDATE that changes no counted column (a warning, a pause)."""

from django.db import migrations

CLOCK_FUNCTION = """
CREATE FUNCTION reports_mark_clock_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO reports_compliancechange (tenant_id, started_at)
        SELECT DISTINCT tenant_id, started_at FROM new_clocks;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO reports_compliancechange (tenant_id, started_at)
        SELECT DISTINCT tenant_id, started_at FROM old_clocks;
    ELSE
        INSERT INTO reports_compliancechange (tenant_id, started_at)
        SELECT DISTINCT changed.tenant_id, changed.started_at
        FROM old_clocks o
        JOIN new_clocks n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.tenant_id, o.started_at), (n.tenant_id, n.started_at))
            AS changed (tenant_id, started_at)
        WHERE (o.state, o.met_at, o.breached_at, o.started_at, o.metric, o.ticket_id, o.tenant_id)
            IS DISTINCT FROM (n.state, n.met_at, n.breached_at, n.started_at, n.metric, n.ticket_id, n.tenant_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER reports_clocks_inserted AFTER INSERT ON tickets_slaclock
    REFERENCING NEW TABLE AS new_clocks FOR EACH STATEMENT EXECUTE FUNCTION reports_mark_clock_changes();
CREATE TRIGGER reports_clocks_updated AFTER UPDATE ON tickets_slaclock
    REFERENCING OLD TABLE AS old_clocks NEW TABLE AS new_clocks
    FOR EACH STATEMENT EXECUTE FUNCTION reports_mark_clock_changes();
CREATE TRIGGER reports_clocks_deleted AFTER DELETE ON tickets_slaclock
    REFERENCING OLD TABLE AS old_clocks FOR EACH STATEMENT EXECUTE FUNCTION reports_mark_clock_changes();
"""

# A ticket's clocks start when it is opened (tickets.services._apply_targets), so its opening time names
# their day; a change of client, assignee or priority moves them between the report's rows.
TICKET_FUNCTION = """
CREATE FUNCTION reports_mark_ticket_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_compliancechange (tenant_id, started_at)
    SELECT DISTINCT changed.tenant_id, changed.created_at
    FROM old_tickets o
    JOIN new_tickets n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES (o.tenant_id, o.created_at), (n.tenant_id, n.created_at))
        AS changed (tenant_id, created_at)
    WHERE (o.client_id, o.assignee_id, o.priority, o.created_at, o.tenant_id)
        IS DISTINCT FROM (n.client_id, n.assignee_id, n.priority, n.created_at, n.tenant_id);
    RETURN NULL;
END $$;
CREATE TRIGGER reports_tickets_updated AFTER UPDATE ON tickets_ticket
    REFERENCING OLD TABLE AS old_tickets NEW TABLE AS new_tickets
    FOR EACH STATEMENT EXECUTE FUNCTION reports_mark_ticket_changes();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_compliance_rollup"),
        ("tickets", "0018_clock_without_tenant_index"),
    ]

    operations = [
        migrations.RunSQL(
            CLOCK_FUNCTION,
            "DROP TRIGGER reports_clocks_inserted ON tickets_slaclock;"
            " DROP TRIGGER reports_clocks_updated ON tickets_slaclock;"
            " DROP TRIGGER reports_clocks_deleted ON tickets_slaclock;"
            " DROP FUNCTION reports_mark_clock_changes();",
        ),
        migrations.RunSQL(
            TICKET_FUNCTION,
            "DROP TRIGGER reports_tickets_updated ON tickets_ticket; DROP FUNCTION reports_mark_ticket_changes();",
        ),
    ]
