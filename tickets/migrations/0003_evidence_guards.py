"""Ticket history and SLA breaches are only ever added to, whatever a database session sets.

Plain PL/pgSQL triggers (no ``pgtrigger.ignore`` switch) on tables the web and worker roles do not own,
beside tenants/grants.py, which grants those roles SELECT and INSERT only on them.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION tickets_evidence_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are evidence and are only ever added to.', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER ticket_history_evidence BEFORE UPDATE OR DELETE ON tickets_ticketevent
    FOR EACH ROW EXECUTE FUNCTION tickets_evidence_guard();
CREATE TRIGGER sla_breach_evidence BEFORE UPDATE OR DELETE ON tickets_slabreach
    FOR EACH ROW EXECUTE FUNCTION tickets_evidence_guard();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS sla_breach_evidence ON tickets_slabreach;
DROP TRIGGER IF EXISTS ticket_history_evidence ON tickets_ticketevent;
DROP FUNCTION IF EXISTS tickets_evidence_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_time_entry_after_hours")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
