"""PostgreSQL row-level security, shipped as a model constraint so migrations carry it.

Every tenant-owned table gets ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` and one policy, for reads
(USING) and writes (WITH CHECK), keyed on the transaction-local setting ``app.tenant_id``. A missing or
empty setting matches no row. ``app.rls_bypass = 'on'`` is the one explicit bypass, set only by
``tenants.scope.cross_tenant``.
"""

from django.db.models import BaseConstraint

POLICY_NAME = "tenant_isolation"

CREATE_FUNCTIONS = """
CREATE OR REPLACE FUNCTION app_current_tenant() RETURNS bigint
    LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint $$;
CREATE OR REPLACE FUNCTION app_rls_bypassed() RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT COALESCE(current_setting('app.rls_bypass', true), '') = 'on' $$;
"""
DROP_FUNCTIONS = "DROP FUNCTION IF EXISTS app_current_tenant(); DROP FUNCTION IF EXISTS app_rls_bypassed();"

_CONDITION = "tenant_id = (SELECT app_current_tenant()) OR (SELECT app_rls_bypassed())"


class RowLevelSecurity(BaseConstraint):
    """Not a constraint in the SQL sense: the table's tenant isolation policy."""

    def constraint_sql(self, model, schema_editor):
        # Runs after CREATE TABLE, like a deferred index.
        schema_editor.deferred_sql.append(self.create_sql(model, schema_editor))
        return None

    def create_sql(self, model, schema_editor):
        table = schema_editor.quote_name(model._meta.db_table)
        return (
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; "
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY; "
            f"CREATE POLICY {POLICY_NAME} ON {table} USING ({_CONDITION}) WITH CHECK ({_CONDITION})"
        )

    def remove_sql(self, model, schema_editor):
        table = schema_editor.quote_name(model._meta.db_table)
        return (
            f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}; "
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; "
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"
        )

    def validate(self, model, instance, exclude=None, using=None):
        return  # enforced by PostgreSQL on every statement

    def __eq__(self, other):
        return isinstance(other, RowLevelSecurity) and self.name == other.name

    def __hash__(self):
        return hash(self.name)
