"""The search functions of the top-bar search over clients, contacts and sites (issue 18): SECURITY
DEFINER functions that return the current tenant's matching ids through the trigram indexes, which the
web role's own queries cannot use under row-level security (tenants/trigram.py)."""

from django.db import migrations

import tenants.trigram


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0016_tenant_history_triggers"),
        ("clients", "0004_search_trigram_indexes"),
    ]

    operations = [
        tenants.trigram.CreateSearchFunctions(model_name="client", fields=["name", "email"]),
        tenants.trigram.CreateSearchFunctions(model_name="contact", fields=["full_name", "email"]),
        tenants.trigram.CreateSearchFunctions(model_name="site", fields=["name", "address_line1", "city"]),
    ]
