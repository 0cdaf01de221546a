"""Evidence the web role cannot rewrite: each table refuses UPDATE and DELETE however they are sent, even
with ``pgtrigger.ignore`` naming every trigger of the table; the few legitimate transitions still work.

The suite's connection acts as the web role (tests/databases.py), as requests do.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from audit.models import Action, AuditEntry
from audit.services import record
from billing import services as billing
from billing.models import CreditNote, Invoice, InvoiceStatus
from clients.models import Client
from contracts.models import AgreementEvent, ContractVersion, Signature
from contracts.signatures import store_signed_pdf
from tenants.grants import append_only_models
from tenants.models import SigningIdentity
from tenants.scope import tenant_scope
from tenants.signing_identities import current_signing_identity
from tests.billing.run_setup import bill, catalog, customer, subscribe
from tests.factories import (
    AgreementFactory,
    ClientFactory,
    ContractVersionFactory,
    SignatureFactory,
    sla_desk,
)
from tickets import services as tickets
from tickets.models import SlaBreach, TicketEvent
from tickets.sweeper import sweep

pytestmark = pytest.mark.django_db

NY_MONDAY_9AM = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)


def ignore_every_trigger_of(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table]
        )
        names = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(names) + "}"])


def refused(write) -> bool:
    try:
        with transaction.atomic():
            write()
    except DatabaseError:
        return True
    return False


def assert_rewrites_refused(model, pk, *, column: str, value, pk_column: str = "id") -> None:
    """qs.update(), qs.delete() and raw UPDATE / DELETE of one row, each refused."""
    table = model._meta.db_table
    ignore_every_trigger_of(table)
    rows = model.objects.filter(pk=pk)
    assert refused(lambda: rows.update(**{column: value})), f"{table}: update() was allowed"
    assert refused(lambda: rows.delete()), f"{table}: delete() was allowed"
    column_name = model._meta.get_field(column).column

    def raw(statement, *params):
        def run():
            ignore_every_trigger_of(table)
            with connection.cursor() as cursor:
                cursor.execute(statement, [*params, pk])

        return run

    assert refused(raw(f'UPDATE "{table}" SET "{column_name}" = %s WHERE "{pk_column}" = %s', value)), table
    assert refused(raw(f'DELETE FROM "{table}" WHERE "{pk_column}" = %s')), table
    assert rows.exists()


def test_a_published_version_is_refused_any_change(tenant):
    version = ContractVersionFactory(tenant=tenant, published=True)
    with tenant_scope(tenant):
        assert_rewrites_refused(ContractVersion, version.pk, column="terms_markdown", value="Forged terms")


def test_a_draft_version_stays_editable(tenant):
    version = ContractVersionFactory(tenant=tenant)
    with tenant_scope(tenant):
        ContractVersion.objects.filter(pk=version.pk).update(terms_markdown="Better terms")
        assert ContractVersion.objects.get(pk=version.pk).terms_markdown == "Better terms"


def test_a_signed_signature_is_refused_any_change(tenant):
    signature = SignatureFactory(agreement=AgreementFactory(tenant=tenant))
    with tenant_scope(tenant):
        assert_rewrites_refused(Signature, signature.pk, column="signer_name", value="Someone Else")
        for column, value in [
            ("ip_address", "10.6.6.6"),
            ("document_html", "<p>forged</p>"),
            ("signed_at", None),
        ]:
            assert refused(
                lambda c=column, v=value: Signature.objects.filter(pk=signature.pk).update(**{c: v})
            )


def test_a_declined_signature_is_refused_any_change(tenant):
    signature = SignatureFactory(agreement=AgreementFactory(tenant=tenant), signed_at=None)
    with tenant_scope(tenant):
        Signature.objects.filter(pk=signature.pk).update(declined_at=NY_MONDAY_9AM, decline_reason="No")
        assert_rewrites_refused(Signature, signature.pk, column="decline_reason", value="Changed my mind")


def test_the_sealed_pdf_is_stored_once_and_then_never_replaced(tenant):
    signature = SignatureFactory(agreement=AgreementFactory(tenant=tenant))
    with tenant_scope(tenant):
        store_signed_pdf(signature, b"%PDF-1.7 genuine")
        forged = Signature.objects.get(pk=signature.pk)
        assert refused(lambda: store_signed_pdf(forged, b"%PDF-1.7 forged"))
        assert bytes(Signature.objects.get(pk=signature.pk).pdf) == b"%PDF-1.7 genuine"


def test_agreement_history_is_refused_any_change(tenant):
    agreement = AgreementFactory(tenant=tenant)
    with tenant_scope(tenant):
        event = AgreementEvent.objects.create(
            tenant=tenant, agreement=agreement, kind="signed", actor="Client"
        )
        assert_rewrites_refused(AgreementEvent, event.pk, column="kind", value="declined")


@pytest.fixture
def breached_ticket(tenant):
    sla_desk(tenant)
    client = ClientFactory(tenant=tenant)
    with tenant_scope(tenant):
        ticket = tickets.open_ticket(client=client, title="Down", priority="P1", now=NY_MONDAY_9AM)
    sweep(now=NY_MONDAY_9AM + timedelta(days=3))
    return ticket


def test_ticket_history_is_refused_any_change(tenant, breached_ticket):
    with tenant_scope(tenant):
        event = TicketEvent.objects.filter(ticket=breached_ticket).first()
        assert_rewrites_refused(TicketEvent, event.pk, column="kind", value="forged")


def test_an_sla_breach_is_refused_any_change(tenant, breached_ticket):
    with tenant_scope(tenant):
        breach = SlaBreach.objects.filter(ticket=breached_ticket).first()
        assert_rewrites_refused(SlaBreach, breach.pk, column="reason", value="Never happened")


@pytest.fixture
def issued_invoice(tenant):
    subscribe(
        tenant, customer(tenant, "Harbour Flat"), started_on=date(2026, 12, 1), tier=catalog(tenant).gold
    )
    (invoice,) = bill(tenant, on=date(2026, 12, 1)).tenants[0].invoices
    return invoice


def test_an_issued_invoice_changes_only_by_being_paid_and_credit_notes_never(tenant, issued_invoice):
    with tenant_scope(tenant):
        invoice = Invoice.objects.get(pk=issued_invoice.pk)
        assert_rewrites_refused(Invoice, invoice.pk, column="total", value=Decimal("1.00"))
        billing.record_payment(
            invoice,
            amount="10.00",
            paid_on=invoice.issued_on,
            method="bank_transfer",
            reference="",
            actor="Staff",
        )
        assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PARTLY_PAID
        note = billing.void_invoice(Invoice.objects.get(pk=invoice.pk), reason="Billed twice", actor="Staff")
        assert_rewrites_refused(CreditNote, note.pk, column="reason", value="Forged")


def test_a_history_is_granted_select_and_insert_only_and_a_guarded_table_relies_on_its_guard():
    with connection.cursor() as cursor:
        for model in append_only_models():
            cursor.execute(
                "SELECT has_table_privilege(current_user, %s, 'DELETE'), "
                "has_table_privilege(current_user, %s, 'UPDATE'), "
                "has_table_privilege(current_user, %s, 'INSERT')",
                [model._meta.db_table] * 3,
            )
            guarded = model.append_only.guarded
            assert cursor.fetchone() == (guarded, guarded, True), model._meta.db_table


def test_a_signing_identity_is_never_rewritten_or_deleted_only_retired(tenant):
    with tenant_scope(tenant):
        identity = current_signing_identity(tenant)
        assert_rewrites_refused(SigningIdentity, identity.pk, column="encrypted_private_key", value=b"forged")
        SigningIdentity.objects.filter(pk=identity.pk).update(retired_at=NY_MONDAY_9AM)
        assert refused(lambda: SigningIdentity.objects.filter(pk=identity.pk).update(retired_at=None))


def test_audit_entries_and_history_rows_are_refused_any_change(tenant):
    client = ClientFactory(tenant=tenant, name="Before")
    ClientEvent = apps.get_model("clients", "ClientEvent")
    with tenant_scope(tenant):
        Client.objects.filter(pk=client.pk).update(name="After")
        event = ClientEvent.objects.order_by("-pgh_id").first()
        assert_rewrites_refused(ClientEvent, event.pgh_id, column="name", value="Forged", pk_column="pgh_id")
        entry = record(action=Action.EXPORT, context={"actor": "Owner"}, object_label="clients.csv")
        assert_rewrites_refused(AuditEntry, entry.pk, column="actor", value="Someone else")
