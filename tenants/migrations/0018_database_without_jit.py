"""JIT compilation off for the app's database (issue 18).

PostgreSQL compiles a query's expressions to machine code when the planner's cost estimate crosses
``jit_above_cost`` (100,000): an estimate, and with one tenant's million tickets beside another's it can be
ten times the truth. A page's query then spends longer compiling than running: the big tenant's open tickets
sorted by priority (10,030 rows, estimated 116,136) took 52.7 ms, 29.7 of them compiling; 23 ms without, and
the page 101.6 ms against 74.4 on the scale benchmark. The app's statements are short and walk indexes; none
gains from JIT what a misestimate costs. (The sweeper had already turned it off for its pass.)

Set on the database, which the owner role owns, so it holds for every role and session, behind a pooler too
(a startup option would not pass PgBouncer); sessions opened before it keep the server's default until they
reconnect."""

from django.db import migrations

FOR_THIS_DATABASE = "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I {}', current_database()); END $$;"


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0017_text_contains_pattern"),
    ]

    operations = [
        migrations.RunSQL(FOR_THIS_DATABASE.format("SET jit = off"), FOR_THIS_DATABASE.format("RESET jit")),
    ]
