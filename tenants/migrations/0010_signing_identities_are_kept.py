"""A signing identity is never deleted or rewritten: PDFs it sealed must verify for as long as they are
kept. The one change allowed is its retirement (``retired_at`` set once, when it is replaced), and a
deleted user's ``created_by`` becoming empty. A plain PL/pgSQL trigger, which no session setting lifts,
on a table the web and worker roles do not own."""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION tenants_signing_identity_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    movable CONSTANT text[] := ARRAY['retired_at', 'created_by_id'];
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - movable) = (to_jsonb(OLD) - movable)
       AND (NEW.retired_at IS NOT DISTINCT FROM OLD.retired_at OR OLD.retired_at IS NULL)
       AND (NEW.created_by_id IS NOT DISTINCT FROM OLD.created_by_id OR NEW.created_by_id IS NULL) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'A signing identity is kept unchanged: PDFs it sealed must keep verifying.'
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER signing_identities_are_kept BEFORE UPDATE OR DELETE ON tenants_signingidentity
    FOR EACH ROW EXECUTE FUNCTION tenants_signing_identity_guard();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS signing_identities_are_kept ON tenants_signingidentity;
DROP FUNCTION IF EXISTS tenants_signing_identity_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0009_history")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
