"""``text_contains_pattern(value, pattern)``: ``UPPER(value) LIKE UPPER(pattern)`` behind a function call,
for searches of a common term (issue 18, tenants/trigram.py). Under row-level security the planner may not
use the column's statistics for LIKE (not leakproof) and guesses that a handful of rows match, so a list
sorts every match; a function call is guessed at a third of the rows, so the list walks its ordered
index and stops at a page."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION public.text_contains_pattern(value text, pattern text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
BEGIN
    RETURN UPPER(value) LIKE UPPER(pattern);
END
$fn$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0016_tenant_history_triggers"),
    ]

    operations = [
        migrations.RunSQL(CREATE, "DROP FUNCTION IF EXISTS public.text_contains_pattern(text, text)"),
    ]
