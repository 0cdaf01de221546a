"""One service agreement in force per client and term: a ``superseded`` status with a pointer to the
agreement that replaced it, and an exclusion constraint. Existing data that would violate it is
resolved first: of a client's overlapping agreements in force, the newest stays and the older ones
become superseded by it (with a history row saying so)."""

import django.contrib.postgres.constraints
import django.contrib.postgres.fields.ranges
import django.db.models.deletion
from django.db import migrations, models

IN_FORCE = ("signed", "active", "expiring")


def supersede_overlapping(apps, schema_editor):
    schema_editor.execute("SELECT set_config('app.rls_bypass', 'on', true)")
    Agreement = apps.get_model("contracts", "Agreement")
    AgreementEvent = apps.get_model("contracts", "AgreementEvent")
    in_force = Agreement.objects.filter(parent__isnull=True, status__in=IN_FORCE).order_by(
        "client_id", "-created_at", "-pk"
    )
    kept_by_client = {}
    for agreement in in_force:
        kept = kept_by_client.setdefault(agreement.client_id, [])
        newer = next((other for other in kept if overlaps(agreement, other)), None)
        if newer is None:
            kept.append(agreement)
            continue
        from_status = agreement.status
        Agreement.objects.filter(pk=agreement.pk).update(status="superseded", superseded_by=newer)
        AgreementEvent.objects.create(
            tenant_id=agreement.tenant_id,
            agreement=agreement,
            kind="superseded",
            from_status=from_status,
            to_status="superseded",
            actor="system",
            details={"superseded_by": newer.pk, "note": "Two agreements were in force for one term."},
        )
    # Fire the deferred foreign-key checks now: ALTER TABLE refuses to run with them pending.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def overlaps(one, other) -> bool:
    """Closed date ranges; a missing start or end is open-ended (as the constraint's daterange)."""
    starts_before_other_ends = (
        one.starts_on is None or other.ends_on is None or one.starts_on <= other.ends_on
    )
    ends_after_other_starts = one.ends_on is None or other.starts_on is None or one.ends_on >= other.starts_on
    return starts_before_other_ends and ends_after_other_starts


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_history"),
        ("contracts", "0008_drafts_keep_only_newlines"),
        ("tenants", "0011_tenant_require_two_factor"),
    ]

    operations = [
        migrations.AddField(
            model_name="agreement",
            name="superseded_by",
            field=models.ForeignKey(
                blank=True,
                help_text="The newer agreement sent to the client in place of this unsigned one.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contracts.agreement",
            ),
        ),
        migrations.AlterField(
            model_name="agreement",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("sent", "Sent"),
                    ("signed", "Signed"),
                    ("active", "Active"),
                    ("expiring", "Expiring"),
                    ("expired", "Expired"),
                    ("cancelled", "Cancelled"),
                    ("declined", "Declined"),
                    ("superseded", "Superseded"),
                ],
                default="draft",
                max_length=10,
            ),
        ),
        migrations.RunPython(supersede_overlapping, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="agreement",
            constraint=django.contrib.postgres.constraints.ExclusionConstraint(
                condition=models.Q(
                    ("parent__isnull", True), ("status__in", ["signed", "active", "expiring"])
                ),
                expressions=[
                    (
                        models.Func(
                            models.F("client"),
                            models.F("client"),
                            models.Value("[]"),
                            function="int8range",
                            output_field=django.contrib.postgres.fields.ranges.BigIntegerRangeField(),
                        ),
                        "&&",
                    ),
                    (
                        models.Func(
                            models.F("starts_on"),
                            models.F("ends_on"),
                            models.Value("[]"),
                            function="daterange",
                            output_field=django.contrib.postgres.fields.ranges.DateRangeField(),
                        ),
                        "&&",
                    ),
                ],
                name="agreement_one_in_force_per_term",
            ),
        ),
    ]
