"""Staff cost rates get a history: one row per change, effective from a day.

Each membership's single rate becomes its first row (effective from the day the person joined; before
a person's first row that first rate applies anyway), then the single field goes: the history is the one
source of truth. Reversible: going back puts each person's latest rate into the field again.
"""

import zoneinfo

from django.db import migrations
from django.utils import timezone


def rates_into_history(apps, schema_editor):
    schema_editor.execute("SELECT set_config('app.rls_bypass', 'on', true)")
    StaffMembership = apps.get_model("tenants", "StaffMembership")
    CostRate = apps.get_model("tenants", "CostRate")
    now = timezone.now()
    CostRate.objects.bulk_create(
        CostRate(
            tenant_id=membership.tenant_id,
            membership=membership,
            rate=membership.cost_rate,
            effective_from=membership.created_at.astimezone(
                zoneinfo.ZoneInfo(membership.tenant.timezone)
            ).date(),
            note="The rate before rates had a history",
            set_at=now,
        )
        for membership in StaffMembership.objects.select_related("tenant").exclude(cost_rate=0)
    )


def latest_rate_back(apps, schema_editor):
    schema_editor.execute("SELECT set_config('app.rls_bypass', 'on', true)")
    StaffMembership = apps.get_model("tenants", "StaffMembership")
    CostRate = apps.get_model("tenants", "CostRate")
    for membership in StaffMembership.objects.all():
        latest = CostRate.objects.filter(membership=membership).order_by("-effective_from", "-set_at", "-id")
        rate = latest.values_list("rate", flat=True).first()
        if rate is not None:
            StaffMembership.objects.filter(pk=membership.pk).update(cost_rate=rate)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0004_cost_rate_history")]

    operations = [migrations.RunPython(rates_into_history, latest_rate_back, elidable=False)]
