"""The search functions of ticket titles and descriptions (issue 18): SECURITY DEFINER functions that
return the current tenant's matching ids through the trigram indexes, which the web role's own queries
cannot use under row-level security (tenants/trigram.py). The near-miss ones only where pg_trgm is."""

from django.db import migrations

import tenants.trigram


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0016_tenant_history_triggers"),
        ("tickets", "0009_clock_started_index"),
    ]

    operations = [
        tenants.trigram.CreateSearchFunctions(model_name="ticket", fields=["title", "description"]),
    ]
