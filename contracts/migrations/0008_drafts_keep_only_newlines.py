"""Drafts saved from a browser before saving normalised line endings: their "\r\n" become "\n".

Published versions stay exactly as published (the evidence guard of 0006 refuses any change to them);
the version diff ignores their line endings instead.
"""

from django.db import migrations
from django.db.models import Q, Value
from django.db.models.functions import Replace

TEXT_FIELDS = ("terms_markdown", "sla_markdown", "billing_terms")


def _only_newlines(field):
    return Replace(Replace(field, Value("\r\n"), Value("\n")), Value("\r"), Value("\n"))


def drafts_keep_only_newlines(apps, schema_editor):
    ContractVersion = apps.get_model("contracts", "ContractVersion")
    with_returns = Q()
    for name in TEXT_FIELDS:
        with_returns |= Q(**{f"{name}__contains": "\r"})
    ContractVersion.objects.filter(with_returns, status="draft").update(
        **{name: _only_newlines(name) for name in TEXT_FIELDS}
    )
    ContractTemplate = apps.get_model("contracts", "ContractTemplate")
    ContractTemplate.objects.filter(description__contains="\r").update(
        description=_only_newlines("description")
    )


class Migration(migrations.Migration):
    dependencies = [("contracts", "0007_history")]

    operations = [migrations.RunPython(drafts_keep_only_newlines, migrations.RunPython.noop)]
