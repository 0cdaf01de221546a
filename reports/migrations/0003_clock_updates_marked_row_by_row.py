"""A clock's update marks its day from a row trigger with a WHEN condition, instead of a statement trigger
with transition tables (issue 18: the SLA sweeper's pass).

The statement trigger captured the old and new version of every updated clock, whatever changed, then
joined the two in PL/pgSQL: about 1.5 ms of a 10 ms sweeper pass over 100 clocks, and as much for a warning
pass or a calendar's re-timing, which change no counted column and mark nothing. The row trigger's
condition is checked in C for each row, so an UPDATE that changes none of the counted columns (a warning,
a pause, new due times) calls nothing and captures nothing; a row that does change one writes its mark (two
when it moves to another day or tenant). Marks are no longer de-duplicated per statement: the roll-up and
the reports read them as distinct days (reports.rollup), so three clocks of one ticket marking the same
instant cost three small rows until the next roll-up consumes them.

Measured on the scale benchmark's database (100 clocks due among 1M, 15 passes a side, interleaved): a
pass of 100 breaches 9.0–9.5 ms against 9.7–9.8, of 100 warnings 5.9–6.0 ms against 7.1–7.2.

Inserts and deletes keep their statement triggers (0002): a bulk load marks each distinct start once. Their
function keeps its UPDATE branch, which the reverse of this migration uses again."""

from django.db import migrations

ROW_TRIGGER = """
CREATE FUNCTION reports_mark_clock_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_compliancechange (tenant_id, started_at) VALUES (NEW.tenant_id, NEW.started_at);
    IF (OLD.tenant_id, OLD.started_at) IS DISTINCT FROM (NEW.tenant_id, NEW.started_at) THEN
        INSERT INTO reports_compliancechange (tenant_id, started_at) VALUES (OLD.tenant_id, OLD.started_at);
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER reports_clocks_updated ON tickets_slaclock;
CREATE TRIGGER reports_clocks_updated AFTER UPDATE ON tickets_slaclock FOR EACH ROW
    WHEN ((OLD.state, OLD.met_at, OLD.breached_at, OLD.started_at, OLD.metric, OLD.ticket_id, OLD.tenant_id)
        IS DISTINCT FROM (NEW.state, NEW.met_at, NEW.breached_at, NEW.started_at, NEW.metric, NEW.ticket_id,
            NEW.tenant_id))
    EXECUTE FUNCTION reports_mark_clock_update();
"""

STATEMENT_TRIGGER = """
DROP TRIGGER reports_clocks_updated ON tickets_slaclock;
DROP FUNCTION reports_mark_clock_update();
CREATE TRIGGER reports_clocks_updated AFTER UPDATE ON tickets_slaclock
    REFERENCING OLD TABLE AS old_clocks NEW TABLE AS new_clocks
    FOR EACH STATEMENT EXECUTE FUNCTION reports_mark_clock_changes();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_compliance_change_triggers"),
        ("tickets", "0021_breach_checks_its_clock_and_ticket_at_once"),
    ]

    operations = [migrations.RunSQL(ROW_TRIGGER, STATEMENT_TRIGGER)]
