"""Every invoice marked disputed the old way (a status and a history row) becomes an open Dispute, with
the reason, who marked it and when from its latest "disputed" history row, so the disputes queue shows it
and staff resolve it the new way. Backwards, the disputes go (the invoices keep their status, which is
all the old way had)."""

from django.db import migrations
from django.utils import timezone

PREFIX = "Disputed: "


def forward(apps, schema_editor):
    schema_editor.execute("SELECT set_config('app.rls_bypass', 'on', true)")
    Invoice = apps.get_model("billing", "Invoice")
    InvoiceEvent = apps.get_model("billing", "InvoiceEvent")
    Dispute = apps.get_model("billing", "Dispute")
    DisputeMessage = apps.get_model("billing", "DisputeMessage")
    now = timezone.now()
    for invoice in Invoice.objects.filter(status="disputed").order_by("id").iterator():
        marked = (
            InvoiceEvent.objects.filter(invoice_id=invoice.pk, kind="disputed").order_by("-at", "-id").first()
        )
        summary = marked.summary if marked else ""
        reason = summary[len(PREFIX) :] if summary.startswith(PREFIX) else summary
        reason = reason.strip() or "Marked disputed before disputes were recorded (no reason kept)."
        actor = marked.actor if marked else "system (disputes migration)"
        at = marked.at if marked else now
        dispute = Dispute.objects.create(
            tenant_id=invoice.tenant_id,
            invoice_id=invoice.pk,
            amount=None,
            amount_at_stake=invoice.total - invoice.amount_credited,
            reason=reason,
            status="open",
            opened_by="staff",
            actor=actor,
            opened_at=at,
            last_activity_at=at,
        )
        DisputeMessage.objects.create(
            tenant_id=invoice.tenant_id,
            dispute=dispute,
            party="staff",
            kind="message",
            body=reason,
            author=actor,
            actor=actor,
            at=at,
        )


def backward(apps, schema_editor):
    schema_editor.execute("SELECT set_config('app.rls_bypass', 'on', true)")
    apps.get_model("billing", "DisputeMessage").objects.all().delete()
    apps.get_model("billing", "Dispute").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_disputes")]

    operations = [migrations.RunPython(forward, backward)]
