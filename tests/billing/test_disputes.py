"""A client disputes an invoice, or one line of it; staff answer, and it ends by a credit note, an
explanation the client accepts, or a withdrawal. The invoice is disputed while it is open, and its status
follows its balance again when it ends; every step is in the invoice's history and recorded as an event."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing import disputes, services
from billing.models import Dispute, DisputeMessage, InvoiceEvent
from events.models import OutboxEvent
from tenants.localtime import tenant_today
from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(household):
    return ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")


def labour_line(invoice):
    return invoice.lines.get(kind="labour")


def client_opens(invoice, dana, **kwargs):
    kwargs.setdefault("reason", "The PoE injector was under warranty")
    return disputes.open_dispute(
        invoice, party="client", contact=dana, actor="Dana (client contact)", **kwargs
    )


def history_kinds(invoice):
    return list(InvoiceEvent.objects.filter(invoice=invoice).values_list("kind", flat=True))


def events(name):
    return list(OutboxEvent.objects.filter(name=name).order_by("id"))


def test_a_client_disputes_a_line_and_the_invoice_shows_disputed(invoice, dana, in_tenant):
    line = labour_line(invoice)

    dispute = client_opens(invoice, dana, line=line, amount="30.00")

    invoice.refresh_from_db()
    assert invoice.status == "disputed"
    assert (dispute.status, dispute.opened_by, dispute.contact, dispute.line) == (
        "open",
        "client",
        dana,
        line,
    )
    assert (dispute.amount, dispute.amount_at_stake) == (Decimal("30.00"), Decimal("30.00"))
    [message] = dispute.messages.all()
    assert (message.party, message.author, message.body) == (
        "client",
        "Dana Whitaker",
        "The PoE injector was under warranty",
    )
    assert history_kinds(invoice) == ["issued", "disputed"]
    assert "“Replaced the PoE injector”, $30.00" in invoice.history.last().summary
    [event] = events("invoice.disputed")
    assert event.payload == {
        "dispute_id": dispute.pk,
        "invoice_id": invoice.pk,
        "client_id": invoice.client_id,
        "number": invoice.number,
        "line_id": line.pk,
        "amount": "30.00",
        "currency": invoice.currency,
        "opened_by": "client",
    }


def test_without_an_amount_the_whole_line_or_invoice_is_at_stake(invoice, dana, household, in_tenant):
    dispute = client_opens(invoice, dana, line=labour_line(invoice))
    assert (dispute.amount, dispute.amount_at_stake) == (None, Decimal("50.00"))

    other = issued_invoice(household, [("labour", "Visit", "80.00")], tax_rate_percent="10")
    whole = disputes.open_dispute(other, reason="Never ordered", party="staff", actor="owner")
    assert whole.amount_at_stake == Decimal("88.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "more than zero"),
        ("-3", "more than zero"),
        ("50.01", "At most $50.00"),
        ("1.005", "two decimals"),
        ("lots", "must be a number"),
    ],
)
def test_a_line_cannot_be_disputed_for_more_than_is_left_of_it(invoice, dana, in_tenant, amount, message):
    with pytest.raises(ValidationError) as error:
        client_opens(invoice, dana, line=labour_line(invoice), amount=amount)

    assert message in " ".join(error.value.message_dict["amount"])
    invoice.refresh_from_db()
    assert invoice.status == "issued"
    assert not Dispute.objects.exists()


def test_what_a_credit_note_took_back_can_no_longer_be_disputed(invoice, dana, in_tenant):
    line = labour_line(invoice)
    services.issue_credit_note(invoice, lines={line: Decimal("20.00")}, reason="Goodwill", actor="owner")

    with pytest.raises(ValidationError, match=r"At most \$30.00"):
        client_opens(invoice, dana, line=line, amount="30.01")
    with pytest.raises(ValidationError, match=r"At most \$143.00"):  # 165.00 less 22.00 credited
        client_opens(invoice, dana, amount="143.01")
    assert client_opens(invoice, dana, amount="143.00").amount_at_stake == Decimal("143.00")


def test_a_reason_is_needed_and_a_line_of_another_invoice_is_refused(invoice, dana, household, in_tenant):
    with pytest.raises(ValidationError, match="Say what is wrong"):
        client_opens(invoice, dana, reason="   ")
    other = issued_invoice(household, [("labour", "Visit", "80.00")])
    with pytest.raises(ValidationError, match="is not a line of"):
        client_opens(invoice, dana, line=other.lines.get())


def test_a_contact_of_another_client_cannot_dispute(invoice, tenant, in_tenant):
    stranger = ContactFactory(tenant=tenant, full_name="Sam Stranger")
    with pytest.raises(ValidationError, match="Only a contact of the invoice's client"):
        client_opens(invoice, stranger)


def test_a_draft_or_void_invoice_cannot_be_disputed(invoice, dana, in_tenant):
    services.void_invoice(invoice, reason="Billed twice", actor="owner")
    with pytest.raises(ValidationError, match="is void: there is nothing to dispute"):
        client_opens(invoice, dana)


def test_a_paid_invoice_can_be_disputed_and_is_paid_again_when_it_ends(invoice, dana, in_tenant):
    services.record_payment(invoice, "165.00", tenant_today(), "card", "", "owner")
    dispute = client_opens(invoice, dana)
    invoice.refresh_from_db()
    assert invoice.status == "disputed"

    disputes.propose_explanation(dispute, body="The warranty ended in May.", actor="owner")
    disputes.accept_explanation(dispute, contact=dana, actor="Dana (client contact)")

    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_only_one_dispute_of_an_invoice_is_open_at_a_time(invoice, dana, in_tenant):
    first = client_opens(invoice, dana)
    with pytest.raises(ValidationError, match="already disputed"):
        client_opens(invoice, dana, reason="And the tax is wrong too")

    disputes.withdraw(first, party="client", contact=dana, actor="Dana")
    second = client_opens(invoice, dana, reason="Actually, the hours are wrong")
    assert second.status == "open"
    assert Dispute.objects.filter(invoice=invoice).count() == 2


def test_the_database_refuses_a_second_open_dispute_of_an_invoice(invoice, dana, in_tenant):
    first = client_opens(invoice, dana)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.create(
            tenant=invoice.tenant,
            invoice=invoice,
            amount_at_stake=Decimal("1.00"),
            reason="Again",
            opened_by="client",
            actor="x",
            opened_at=first.opened_at,
            last_activity_at=first.opened_at,
        )


@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_to_dispute_one_invoice_open_one_dispute(tenant, household):
    """Each request runs in its own connection; the invoice's row lock makes the second wait for the
    first to commit and then see its dispute."""
    invoice = issued_invoice(household, [("labour", "Visit", "80.00")])
    with tenant_scope(tenant):
        dana = ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(reason):
        try:
            with tenant_scope(tenant):
                barrier.wait(timeout=5)
                client_opens(invoice, dana, reason=reason)
            outcomes.append("opened")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(f"Reason {n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(outcomes)[-1] == "opened"
    assert "already disputed" in sorted(outcomes)[0]
    with tenant_scope(tenant):
        assert Dispute.objects.filter(invoice=invoice).count() == 1


def test_staff_and_client_talk_and_an_explanation_awaits_the_client(invoice, dana, owner, in_tenant):
    dispute = client_opens(invoice, dana)
    disputes.reply(dispute, body="We are checking the warranty.", party="staff", user=owner, actor="owner")
    disputes.propose_explanation(dispute, body="The warranty ended in May.", user=owner, actor="owner")
    dispute.refresh_from_db()
    assert dispute.status == "awaiting_client"

    disputes.reply(
        dispute, body="It was extended, see the receipt.", party="client", contact=dana, actor="Dana"
    )
    dispute.refresh_from_db()
    assert dispute.status == "open"  # not accepted: staff's turn again
    thread = [(m.party, m.kind) for m in DisputeMessage.objects.filter(dispute=dispute)]
    assert thread == [
        ("client", "message"),
        ("staff", "message"),
        ("staff", "explanation"),
        ("client", "message"),
    ]
    assert history_kinds(invoice) == [
        "issued",
        "disputed",
        "dispute_message",
        "dispute_explained",
        "dispute_message",
    ]
    assert [e.payload["party"] for e in events("dispute.replied")] == ["staff", "client"]
    assert len(events("dispute.explained")) == 1


def test_an_explanation_can_only_be_accepted_while_it_awaits_the_client(invoice, dana, in_tenant):
    dispute = client_opens(invoice, dana)
    with pytest.raises(ValidationError, match="no explanation waiting"):
        disputes.accept_explanation(dispute, contact=dana, actor="Dana")


def test_an_accepted_explanation_resolves_the_dispute_and_the_invoice_stands(invoice, dana, in_tenant):
    services.record_payment(invoice, "65.00", tenant_today(), "card", "", "owner")
    dispute = client_opens(invoice, dana)
    disputes.propose_explanation(dispute, body="The warranty ended in May.", actor="owner")

    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        disputes.accept_explanation(dispute, contact=dana, actor="Dana (client contact)")

    dispute.refresh_from_db()
    invoice.refresh_from_db()
    assert (dispute.status, dispute.resolution, dispute.credit_note) == (
        "resolved",
        "explanation_accepted",
        None,
    )
    assert dispute.resolved_at > dispute.opened_at
    assert invoice.status == "partly_paid"
    assert invoice.history.last().kind == "dispute_resolved"
    assert "the client accepted the explanation" in invoice.history.last().summary
    [event] = events("dispute.resolved")
    assert event.payload["resolution"] == "explanation_accepted"
    assert event.payload["credit_note_id"] is None


def test_a_partial_credit_note_resolves_the_dispute_and_leaves_the_rest_to_pay(invoice, dana, in_tenant):
    line = labour_line(invoice)
    dispute = client_opens(invoice, dana, line=line, amount="30.00")

    disputes.resolve_with_credit_note(
        dispute,
        lines={line: Decimal("30.00")},
        reason="Injector under warranty",
        actor="owner",
        note="You were right: we credited the injector.",
    )

    dispute.refresh_from_db()
    invoice.refresh_from_db()
    note = dispute.credit_note
    assert (dispute.status, dispute.resolution) == ("resolved", "credit_note")
    assert (note.subtotal, note.tax, note.total) == (Decimal("30.00"), Decimal("3.00"), Decimal("33.00"))
    assert (invoice.status, invoice.balance) == ("issued", Decimal("132.00"))
    assert dispute.messages.last().kind == "closing"
    assert history_kinds(invoice)[-2:] == ["credited", "dispute_resolved"]
    [event] = events("dispute.resolved")
    assert event.payload["credit_note_id"] == note.pk


def test_a_full_credit_note_voids_the_invoice_and_resolves_the_dispute(invoice, dana, in_tenant):
    dispute = client_opens(invoice, dana)

    disputes.resolve_with_credit_note(dispute, lines=None, reason="Billed the wrong client", actor="owner")

    dispute.refresh_from_db()
    invoice.refresh_from_db()
    assert invoice.status == "void"
    assert (dispute.status, dispute.resolution) == ("resolved", "credit_note")
    assert dispute.credit_note.total == Decimal("165.00")
    assert len(events("dispute.resolved")) == 1


def test_voiding_a_disputed_invoice_from_its_page_ends_the_dispute_too(invoice, dana, in_tenant):
    dispute = client_opens(invoice, dana)

    note = services.void_invoice(invoice, reason="Billed twice", actor="owner")

    dispute.refresh_from_db()
    assert (dispute.status, dispute.credit_note) == ("resolved", note)


def test_a_credit_note_refused_leaves_the_dispute_open_and_nothing_written(invoice, dana, in_tenant):
    line = labour_line(invoice)
    dispute = client_opens(invoice, dana, line=line)

    with pytest.raises(ValidationError, match=r"only \$50.00 is left"):
        disputes.resolve_with_credit_note(
            dispute, lines={line: Decimal("60.00")}, reason="Warranty", actor="owner", note="Credited"
        )

    dispute.refresh_from_db()
    assert dispute.status == "open"
    assert dispute.messages.count() == 1
    assert not invoice.credit_notes.exists()


def test_a_partial_credit_note_on_a_paid_invoice_becomes_account_credit(invoice, dana, in_tenant):
    services.record_payment(invoice, "165.00", tenant_today(), "card", "", "owner")
    line = labour_line(invoice)
    dispute = client_opens(invoice, dana, line=line)

    disputes.resolve_with_credit_note(
        dispute, lines={line: Decimal("50.00")}, reason="Warranty", actor="owner"
    )

    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == ("paid", Decimal("-55.00"))
    from billing.selectors import credit_balance

    assert credit_balance(invoice.client) == Decimal("55.00")


def test_a_withdrawn_dispute_takes_no_more_steps(invoice, dana, in_tenant):
    dispute = client_opens(invoice, dana)
    disputes.withdraw(dispute, party="client", contact=dana, actor="Dana", note="Found the receipt, sorry.")

    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolution) == ("withdrawn", "withdrawn")
    assert dispute.messages.last().body == "Found the receipt, sorry."
    for step in (
        lambda: disputes.reply(dispute, body="Hello?", party="staff", actor="owner"),
        lambda: disputes.propose_explanation(dispute, body="Why", actor="owner"),
        lambda: disputes.withdraw(dispute, party="staff", actor="owner"),
        lambda: disputes.resolve_with_credit_note(dispute, reason="x", actor="owner"),
    ):
        with pytest.raises(ValidationError, match="is withdrawn: it takes no more steps"):
            step()
    [event] = events("dispute.resolved")
    assert event.payload["resolution"] == "withdrawn"


def test_the_open_disputes_are_the_ones_not_ended_oldest_first(invoice, dana, household, in_tenant):
    from billing import selectors

    later = issued_invoice(household, [("labour", "Visit", "80.00")])
    ended = issued_invoice(household, [("labour", "Call-out", "40.00")])
    first = client_opens(invoice, dana)
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        second = client_opens(later, dana)
        disputes.withdraw(client_opens(ended, dana), party="client", contact=dana, actor="Dana")

    assert list(selectors.open_disputes()) == [first, second]
