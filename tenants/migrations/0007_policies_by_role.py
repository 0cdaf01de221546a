"""Row-level security by role instead of by setting.

Before: ``tenant_id = app_current_tenant() OR app_rls_bypassed()``, where any session could turn the
bypass on with ``set_config('app.rls_bypass', 'on')``. After: the tenant condition alone for every role,
plus an every-row policy only for members of ``accord_cross_tenant`` (the worker and owner roles,
made by ``manage.py setup_database``). Tables created later get both from ``tenants.rls``.
"""

from django.db import migrations

from tenants import rls

_OLD = "tenant_id = (SELECT app_current_tenant()) OR (SELECT app_rls_bypassed())"
_NEW = "tenant_id = (SELECT app_current_tenant())"


def _tables(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = %s",
            [rls.POLICY_NAME],
        )
        return [row[0] for row in cursor.fetchall()]


def policies_by_role(apps, schema_editor):
    for table in _tables(schema_editor):
        quoted = schema_editor.quote_name(table)
        schema_editor.execute(
            f"ALTER POLICY {rls.POLICY_NAME} ON {quoted} USING ({_NEW}) WITH CHECK ({_NEW})"
        )
        schema_editor.execute(f"DROP POLICY IF EXISTS {rls.CROSS_TENANT_POLICY} ON {quoted}")
        schema_editor.execute(
            f"CREATE POLICY {rls.CROSS_TENANT_POLICY} ON {quoted} TO {rls.CROSS_TENANT_GROUP} "
            "USING (true) WITH CHECK (true)"
        )
    schema_editor.execute("DROP FUNCTION IF EXISTS app_rls_bypassed()")


def policies_by_setting(apps, schema_editor):
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION app_rls_bypassed() RETURNS boolean LANGUAGE sql STABLE AS "
        "$$ SELECT COALESCE(current_setting('app.rls_bypass', true), '') = 'on' $$"
    )
    for table in _tables(schema_editor):
        quoted = schema_editor.quote_name(table)
        schema_editor.execute(f"DROP POLICY IF EXISTS {rls.CROSS_TENANT_POLICY} ON {quoted}")
        schema_editor.execute(
            f"ALTER POLICY {rls.POLICY_NAME} ON {quoted} USING ({_OLD}) WITH CHECK ({_OLD})"
        )


class Migration(migrations.Migration):
    dependencies = [("tenants", "0006_remove_staffmembership_cost_rate")]

    operations = [migrations.RunPython(policies_by_role, policies_by_setting)]
