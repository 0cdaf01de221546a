"""Issued invoices, their lines and credit notes are immutable in the database itself: neither
``QuerySet.update()`` nor raw SQL can change them. An issued invoice may only move its status and the
running totals of what was paid and credited; corrections are credit notes."""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION billing_issued_invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    movable CONSTANT text[] := ARRAY['status', 'amount_paid', 'amount_credited', 'updated_at'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'Invoice % is issued and cannot be deleted (void it with a credit note).', OLD.number
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' THEN
        IF NEW.status = 'draft' THEN
            RAISE EXCEPTION 'Invoice % is issued and cannot become a draft again.', OLD.number
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF (to_jsonb(NEW) - movable) IS DISTINCT FROM (to_jsonb(OLD) - movable) THEN
            RAISE EXCEPTION 'Invoice % is issued: only its status and what was paid or credited can change '
                            '(correct it with a credit note).', OLD.number
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER issued_invoice_never_changes BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_issued_invoice_guard();

CREATE OR REPLACE FUNCTION billing_issued_line_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    invoice_status text;
BEGIN
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' THEN
        SELECT status INTO invoice_status FROM billing_invoice WHERE id = NEW.invoice_id;
        IF invoice_status IS DISTINCT FROM 'draft' THEN
            RAISE EXCEPTION 'The lines of an issued invoice cannot change (correct it with a credit note).'
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' THEN
        SELECT status INTO invoice_status FROM billing_invoice WHERE id = OLD.invoice_id;
        IF invoice_status IS DISTINCT FROM 'draft' AND invoice_status IS NOT NULL THEN
            RAISE EXCEPTION 'The lines of an issued invoice cannot change (correct it with a credit note).'
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER issued_invoice_lines_never_change BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_issued_line_guard();

CREATE OR REPLACE FUNCTION billing_credit_note_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Credit notes are issued documents and never change.' USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER credit_notes_never_change BEFORE UPDATE OR DELETE ON billing_creditnote
    FOR EACH ROW EXECUTE FUNCTION billing_credit_note_guard();
CREATE TRIGGER credit_note_lines_never_change BEFORE UPDATE OR DELETE ON billing_creditnoteline
    FOR EACH ROW EXECUTE FUNCTION billing_credit_note_guard();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS credit_note_lines_never_change ON billing_creditnoteline;
DROP TRIGGER IF EXISTS credit_notes_never_change ON billing_creditnote;
DROP FUNCTION IF EXISTS billing_credit_note_guard();
DROP TRIGGER IF EXISTS issued_invoice_lines_never_change ON billing_invoiceline;
DROP FUNCTION IF EXISTS billing_issued_line_guard();
DROP TRIGGER IF EXISTS issued_invoice_never_change ON billing_invoice;
DROP TRIGGER IF EXISTS issued_invoice_never_changes ON billing_invoice;
DROP FUNCTION IF EXISTS billing_issued_invoice_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
