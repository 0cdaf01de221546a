"""The single cost rate leaves StaffMembership: tenants.CostRate (its history) is the one source."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tenants", "0005_cost_rates_from_memberships")]

    operations = [migrations.RemoveField(model_name="staffmembership", name="cost_rate")]
