"""PostgreSQL row-level security, shipped as a model constraint so migrations carry it.

Every tenant-owned table gets ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` and two policies, for reads
(USING) and writes (WITH CHECK):

- ``tenant_isolation``, for every role: the rows of the tenant in the transaction-local setting
  ``app.tenant_id``. A missing or empty setting matches no row. The condition is a plain equality on
  ``tenant_id``, so the planner can use the tenant-leading indexes.
- ``cross_tenant``, only for members of ``accord_cross_tenant`` (the worker and owner roles,
  tenants/database_setup.py): every row. It is a role, not a setting: the web role cannot join it, so
  nothing a web session sets lifts RLS. ``tenants.scope.cross_tenant`` reaches it through the worker's
  own connection.
"""

from django.db.models import BaseConstraint

from tenants.database_setup import CROSS_TENANT_GROUP

POLICY_NAME = "tenant_isolation"

CROSS_TENANT_POLICY = "cross_tenant"

CREATE_FUNCTIONS = """
CREATE OR REPLACE FUNCTION app_current_tenant() RETURNS bigint
    LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint $$;
"""
DROP_FUNCTIONS = "DROP FUNCTION IF EXISTS app_current_tenant();"

_CONDITION = "tenant_id = (SELECT app_current_tenant())"


def policies_sql(quoted_table: str) -> str:
    return (
        f"CREATE POLICY {POLICY_NAME} ON {quoted_table} USING ({_CONDITION}) WITH CHECK ({_CONDITION}); "
        f"CREATE POLICY {CROSS_TENANT_POLICY} ON {quoted_table} TO {CROSS_TENANT_GROUP} "
        "USING (true) WITH CHECK (true)"
    )


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
            f"{policies_sql(table)}"
        )

    def remove_sql(self, model, schema_editor):
        table = schema_editor.quote_name(model._meta.db_table)
        return (
            f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}; "
            f"DROP POLICY IF EXISTS {CROSS_TENANT_POLICY} ON {table}; "
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; "
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"
        )

    def validate(self, model, instance, exclude=None, using=None):
        return  # enforced by PostgreSQL on every statement

    def __eq__(self, other):
        return isinstance(other, RowLevelSecurity) and self.name == other.name

    def __hash__(self):
        return hash(self.name)
