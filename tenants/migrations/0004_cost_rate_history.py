"""Staff cost rates get a history: one row per change, effective from a day (filled by 0005)."""

import django.db.models.deletion
import tenants.rls
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0003_tenant_reply_to_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CostRate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "rate",
                    models.DecimalField(
                        decimal_places=2, help_text="Per hour, in the company's currency.", max_digits=8
                    ),
                ),
                (
                    "effective_from",
                    models.DateField(help_text="The first day (company time) the rate applies to."),
                ),
                ("note", models.CharField(blank=True, max_length=200)),
                ("set_at", models.DateTimeField()),
                (
                    "membership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cost_rates",
                        to="tenants.staffmembership",
                    ),
                ),
                (
                    "set_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenants.tenant"
                    ),
                ),
            ],
            options={
                "ordering": ["-effective_from", "-set_at", "-id"],
                "indexes": [
                    models.Index(
                        fields=["tenant", "membership", "effective_from"], name="cost_rate_member_day_idx"
                    )
                ],
                "constraints": [
                    tenants.rls.RowLevelSecurity(name="tenants_costrate_rls"),
                    models.CheckConstraint(
                        condition=models.Q(("rate__gte", 0)), name="cost_rate_not_negative"
                    ),
                ],
            },
        ),
    ]
