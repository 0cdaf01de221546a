"""A supplement has no term of its own: it ends with the agreement it amends. Supplements signed before
this was so were dated a full term from their signature; their end becomes their agreement's (still in
force or already over), so they no longer expire on a day of their own. Not reversed: the old end dates
were a mistake, not a choice."""

from django.db import migrations


def end_with_their_agreement(apps, schema_editor):
    schema_editor.execute("SELECT set_config('app.rls_bypass', 'on', true)")
    schema_editor.execute(
        """
        UPDATE contracts_agreement AS supplement
           SET ends_on = parent.ends_on
          FROM contracts_agreement AS parent
         WHERE supplement.parent_id = parent.id
           AND supplement.starts_on IS NOT NULL
           AND supplement.ends_on IS DISTINCT FROM parent.ends_on
        """
    )


class Migration(migrations.Migration):
    dependencies = [("contracts", "0010_signers_and_drawn_signatures")]

    operations = [migrations.RunPython(end_with_their_agreement, migrations.RunPython.noop, elidable=False)]
