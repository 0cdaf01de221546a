"""What the web and worker roles may do to each table, applied by the owner after every ``migrate``.

Both roles may read and write every table, except the **append-only evidence**, models that declare
``append_only = AppendOnly(...)``:

- a history (agreement and ticket history, SLA breaches, credit notes, the audit log) is granted SELECT
  and INSERT only;
- a table whose rows legitimately change for a while (``guarded=True``: contract versions and invoices
  while drafts, signatures until completed, signing identities until retired) keeps UPDATE and DELETE,
  and its guard trigger refuses any change to a finished row except its few legitimate transitions (a
  signature's PDF stored once, an invoice marked paid or credited, an identity retired).

The guard triggers are plain PL/pgSQL in each app's migrations, not pgtrigger's, so no setting such as
``pgtrigger.ignore`` lifts them, and neither role owns a table, so neither can disable one. Neither role
is ever granted TRUNCATE, REFERENCES or TRIGGER.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from psycopg2 import sql


@dataclass(frozen=True)
class AppendOnly:
    """Declared on a model: its rows are added, never removed, and changed only as its guard allows."""

    guarded: bool = False


def append_only_models():
    return [
        model for model in apps.get_models() if isinstance(getattr(model, "append_only", None), AppendOnly)
    ]


def apply_grants(using: str) -> None:
    roles = [
        sql.Identifier(settings.DATABASE_ROLES["web"]),
        sql.Identifier(settings.DATABASE_ROLES["worker"]),
    ]
    grantees = sql.SQL(", ").join(roles)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(grantees))
        cursor.execute(
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
                grantees
            )
        )
        cursor.execute(
            sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(grantees)
        )
        for model in append_only_models():
            table = sql.Identifier(model._meta.db_table)
            if not model.append_only.guarded:
                cursor.execute(sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(table, grantees))


def apply_grants_after_migrate(sender, using, **kwargs) -> None:
    apply_grants(using)
