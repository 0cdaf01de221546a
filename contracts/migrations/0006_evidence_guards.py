"""Contract evidence that no database session can rewrite.

The web and worker roles own no table, so they cannot disable these triggers, and unlike pgtrigger's
they have no ``pgtrigger.ignore`` switch (tenants/grants.py also withholds DELETE and, on the history,
UPDATE):

- a published version never changes (drafts stay editable);
- a signature, once signed or declined, never changes, except that its sealed PDF and that PDF's hash
  are stored once, after signing;
- the agreement's history is only ever added to.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION contracts_published_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Version % of this contract is published and never changes.', OLD.number
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER published_version_evidence BEFORE UPDATE OR DELETE ON contracts_contractversion
    FOR EACH ROW WHEN (OLD.status = 'published') EXECUTE FUNCTION contracts_published_version_guard();

CREATE OR REPLACE FUNCTION contracts_signature_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    stored_once CONSTANT text[] := ARRAY['pdf', 'pdf_sha256'];
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.pdf IS NULL AND NEW.pdf IS NOT NULL AND NEW.pdf_sha256 <> ''
       AND (to_jsonb(NEW) - stored_once) = (to_jsonb(OLD) - stored_once) THEN
        RETURN NEW;  -- the sealed PDF, stored once after signing
    END IF;
    RAISE EXCEPTION 'This signature is completed evidence and never changes.' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER completed_signature_evidence BEFORE UPDATE OR DELETE ON contracts_signature
    FOR EACH ROW WHEN (OLD.signed_at IS NOT NULL OR OLD.declined_at IS NOT NULL)
    EXECUTE FUNCTION contracts_signature_guard();

CREATE OR REPLACE FUNCTION contracts_history_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'History is only ever added to.' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER agreement_history_evidence BEFORE UPDATE OR DELETE ON contracts_agreementevent
    FOR EACH ROW EXECUTE FUNCTION contracts_history_guard();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS agreement_history_evidence ON contracts_agreementevent;
DROP FUNCTION IF EXISTS contracts_history_guard();
DROP TRIGGER IF EXISTS completed_signature_evidence ON contracts_signature;
DROP FUNCTION IF EXISTS contracts_signature_guard();
DROP TRIGGER IF EXISTS published_version_evidence ON contracts_contractversion;
DROP FUNCTION IF EXISTS contracts_published_version_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("contracts", "0005_agreement_plan_moved_to_memberships")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
