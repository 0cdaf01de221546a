"""Staff hear when a client disputes an invoice in the portal, answers on the dispute, accepts staff's
explanation or withdraws: the owners, managers and billing staff, in the app and by email, once, and only
in their own company. What staff do themselves tells nobody."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from billing import disputes
from billing.models import Dispute
from events.dispatch import dispatch_pending
from events.models import DeliveryStatus, EventDelivery
from notifications.models import EmailStatus, Notification
from notifications.services import send_pending_emails
from tenants.roles import Role
from tenants.scope import cross_tenant, tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import ClientFactory, ContactFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 23:30 New York: off shift, and still emailed (a dispute is not an SLA alert).
LATE_EVENING = datetime(2026, 3, 3, 4, 30, tzinfo=UTC)
CONSUMER = "notifications.staff_dispute_notices"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(LATE_EVENING, tick=False):
        yield


@pytest.fixture
def people(tenant, team):
    """``team`` (one person per role), plus billing staff who have left, and an owner whose account is
    switched off (told nothing)."""
    StaffMembershipFactory(tenant=tenant, role=Role.BILLING, is_active=False)
    StaffMembershipFactory(tenant=tenant, role=Role.OWNER, user__is_active=False)
    return team


@pytest.fixture
def dana(tenant):
    household = ClientFactory(tenant=tenant, name="Whitaker Residence", email="accounts@whitaker.example")
    return ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")


@pytest.fixture
def invoice(dana):
    """165.00: 100.00 of membership and 50.00 of labour at 10 % sales tax."""
    return issued_invoice(
        dana.client,
        [("plan", "Gold membership, March", "100.00"), ("labour", "Replaced the PoE injector", "50.00")],
        tax_rate_percent="10",
    )


def client_opens(invoice, dana, **kwargs):
    kwargs.setdefault("reason", "The PoE injector was under warranty.")
    with tenant_scope(invoice.tenant):
        return disputes.open_dispute(invoice, party="client", contact=dana, actor="Dana Whitaker", **kwargs)


def staff_opens(invoice, dana, owner):
    with tenant_scope(invoice.tenant):
        return disputes.open_dispute(
            invoice,
            party="staff",
            contact=dana,
            user=owner,
            actor=owner.email,
            reason="Dana called: the injector was under warranty.",
        )


def in_tenant(dispute, step, **kwargs):
    with tenant_scope(dispute.tenant):
        return step(Dispute.objects.get(pk=dispute.pk), **kwargs)


def explain(dispute, owner):
    in_tenant(
        dispute, disputes.propose_explanation, body="The warranty ran out in January.", actor=owner.email
    )


def worker_pass(minutes=0):
    dispatch_pending(now=LATE_EVENING + timedelta(minutes=minutes))
    send_pending_emails()


def notices(tenant, **filters) -> list[Notification]:
    with tenant_scope(tenant):
        return list(Notification.objects.filter(**filters).select_related("recipient").order_by("id"))


def staff_mail(people) -> list[str]:
    staff = {person.email for person in people.values()}
    return sorted(address for message in mail.outbox for address in message.to if address in staff)


def said(notification) -> str:
    """The body without its last sentence ("You are told as ...", which differs per person)."""
    return notification.body.rsplit(" You are told as ", 1)[0]


def told(people) -> set:
    return {people[Role.OWNER], people[Role.MANAGER], people[Role.BILLING]}


def test_a_dispute_opened_in_the_portal_tells_owners_managers_and_billing_once(tenant, people, dana, invoice):
    with tenant_scope(tenant):
        line = invoice.lines.get(kind="labour")
    dispute = client_opens(invoice, dana, line=line, amount="30.00")
    worker_pass()

    notes = notices(tenant)
    assert sorted(n.recipient.pk for n in notes) == sorted(p.pk for p in told(people))
    assert {n.kind for n in notes} == {"invoice.disputed"}
    note = notes[0]
    assert note.title == f"Whitaker Residence disputes {invoice.number}"
    assert note.body.startswith(
        "Dana Whitaker disputes the line “Replaced the PoE injector”, $30.00 at stake. "
        "Their reason: “The PoE injector was under warranty.”"
    )
    assert note.url == reverse("billing:dispute_detail", args=[dispute.pk])
    assert {n.email_status for n in notes} == {EmailStatus.SENT}
    assert staff_mail(people) == sorted(p.email for p in told(people))


def test_each_person_is_told_why(tenant, people, dana, invoice):
    client_opens(invoice, dana)
    worker_pass()

    by_person = {n.recipient: n.body for n in notices(tenant)}
    assert by_person[people[Role.OWNER]].endswith("You are told as an owner.")
    assert by_person[people[Role.MANAGER]].endswith("You are told as a manager.")
    assert by_person[people[Role.BILLING]].endswith("You are told as billing staff.")


def test_without_an_amount_the_notice_names_no_sum_and_a_long_reason_is_trimmed(
    tenant, people, dana, invoice
):
    client_opens(invoice, dana, reason="We never asked for this visit. " * 40)
    worker_pass()

    [body] = {said(n) for n in notices(tenant)}
    assert body.startswith("Dana Whitaker disputes the whole invoice. Their reason: “We never asked")
    assert "$" not in body
    assert len(body) < 450
    with tenant_scope(tenant):
        assert len(Dispute.objects.get().reason) > 1000  # the dispute keeps every word


def test_the_email_leads_to_the_dispute(tenant, people, dana, invoice, settings):
    dispute = client_opens(invoice, dana, amount="20.00")
    worker_pass()

    [email] = [m for m in mail.outbox if m.to == [people[Role.BILLING].email]]
    link = f"{settings.SITE_URL}{reverse('billing:dispute_detail', args=[dispute.pk])}"
    assert email.subject == f"Whitaker Residence disputes {invoice.number}"
    assert link in email.body
    assert "$20.00 at stake" in email.body
    assert "The client is waiting for our answer" in email.body
    html = email.alternatives[0][0]
    assert link in html
    assert "Open the dispute" in html


def test_a_clients_answer_to_an_explanation_tells_staff_it_is_their_turn(tenant, people, dana, invoice):
    owner = people[Role.OWNER]
    dispute = client_opens(invoice, dana)
    explain(dispute, owner)
    in_tenant(
        dispute,
        disputes.reply,
        body="It was bought in March, here is the receipt.",
        party="client",
        contact=dana,
        actor="Dana Whitaker",
    )
    worker_pass()

    answers = notices(tenant, kind="dispute.replied")
    assert sorted(n.recipient.pk for n in answers) == sorted(p.pk for p in told(people))
    assert answers[0].title == f"Whitaker Residence answered on the dispute of {invoice.number}"
    assert answers[0].body.startswith(
        "Dana Whitaker wrote: “It was bought in March, here is the receipt.” They do not accept the "
        "explanation yet: it is our turn to answer. Disputed: the whole invoice."
    )
    assert len(notices(tenant)) == 6  # the opening and the answer; the explanation told nobody


def test_a_client_message_without_an_explanation_to_answer_is_told_as_a_message(
    tenant, people, dana, invoice
):
    dispute = client_opens(invoice, dana)
    in_tenant(dispute, disputes.reply, body="Any news?", party="client", contact=dana, actor="Dana")
    worker_pass()

    [body] = {said(n) for n in notices(tenant, kind="dispute.replied")}
    assert body.startswith("Dana Whitaker wrote: “Any news?” Disputed: the whole invoice.")


def test_a_client_accepting_the_explanation_tells_staff_the_invoice_stands(tenant, people, dana, invoice):
    dispute = client_opens(invoice, dana, amount="50.00")
    explain(dispute, people[Role.OWNER])
    in_tenant(dispute, disputes.accept_explanation, contact=dana, actor="Dana Whitaker")
    worker_pass()

    accepted = notices(tenant, kind="dispute.accepted")
    assert sorted(n.recipient.pk for n in accepted) == sorted(p.pk for p in told(people))
    assert accepted[0].title == f"Whitaker Residence accepted the explanation of {invoice.number}"
    assert accepted[0].body.startswith(
        "Our explanation: “The warranty ran out in January.” The dispute is resolved and the invoice "
        "stands (issued). Disputed: the whole invoice, $50.00 at stake."
    )
    assert accepted[0].url == reverse("billing:dispute_detail", args=[dispute.pk])


def test_a_client_withdrawing_tells_staff_with_their_note(tenant, people, dana, invoice):
    dispute = client_opens(invoice, dana)
    in_tenant(
        dispute,
        disputes.withdraw,
        party="client",
        note="Found the receipt, sorry.",
        contact=dana,
        actor="Dana Whitaker",
    )
    worker_pass()

    withdrawn = notices(tenant, kind="dispute.withdrawn")
    assert sorted(n.recipient.pk for n in withdrawn) == sorted(p.pk for p in told(people))
    assert withdrawn[0].title == f"Whitaker Residence withdrew the dispute of {invoice.number}"
    assert withdrawn[0].body.startswith(
        "Dana Whitaker's note: “Found the receipt, sorry.” The dispute of the whole invoice is withdrawn; "
        "the invoice is issued."
    )
    assert staff_mail(people) == sorted(p.email for p in told(people) for _ in range(2))


def test_what_staff_do_themselves_tells_nobody(tenant, people, dana, invoice):
    owner = people[Role.OWNER]
    dispute = staff_opens(invoice, dana, owner)  # on the client's behalf, after a phone call
    in_tenant(dispute, disputes.reply, body="We are checking the warranty.", party="staff", actor=owner.email)
    explain(dispute, owner)
    in_tenant(
        dispute, disputes.accept_explanation, party="staff", actor=owner.email
    )  # Dana said yes by phone
    second = client_opens(issued_invoice(dana.client, [("labour", "Call-out", "80.00")]), dana)
    worker_pass()
    mail.outbox.clear()
    in_tenant(second, disputes.withdraw, party="staff", actor=owner.email, note="Dana called it off.")
    third = client_opens(issued_invoice(dana.client, [("labour", "Rack install", "90.00")]), dana)
    in_tenant(third, disputes.resolve_with_credit_note, reason="Billed twice", actor=owner.email)
    worker_pass(minutes=1)

    assert {n.kind for n in notices(tenant)} == {"invoice.disputed"}  # the two the client opened
    assert len(notices(tenant)) == 6
    assert staff_mail(people) == sorted(p.email for p in told(people))  # the third dispute's opening only


def test_a_redelivered_event_tells_nobody_twice(tenant, people, dana, invoice):
    client_opens(invoice, dana)
    worker_pass()
    with tenant_scope(tenant):
        redelivered = EventDelivery.objects.filter(consumer=CONSUMER).update(
            status=DeliveryStatus.PENDING, done_at=None
        )
    worker_pass(minutes=1)

    assert redelivered == 1
    with tenant_scope(tenant):
        assert not EventDelivery.objects.filter(consumer=CONSUMER, status=DeliveryStatus.PENDING).exists()
    assert len(notices(tenant)) == 3
    assert staff_mail(people) == sorted(p.email for p in told(people))


def test_another_companys_staff_are_never_told(tenant, people, dana, invoice, other_tenant):
    theirs = [
        StaffMembershipFactory(tenant=other_tenant, role=role).user
        for role in (Role.OWNER, Role.MANAGER, Role.BILLING)
    ]
    client_opens(invoice, dana)
    worker_pass()

    assert notices(other_tenant) == []
    with cross_tenant("the test counts every company's notifications"):
        assert not Notification.objects.filter(recipient__in=theirs).exists()
        assert Notification.objects.filter(tenant=tenant).count() == 3
    assert not [m for m in mail.outbox if set(m.to) & {user.email for user in theirs}]


def test_the_notifications_page_and_the_bell_show_dispute_notices(client, tenant, people, dana, invoice):
    dispute = client_opens(invoice, dana)
    in_tenant(
        dispute,
        disputes.withdraw,
        party="client",
        note="",
        contact=dana,
        actor="Dana Whitaker",
    )
    worker_pass()

    client.force_login(people[Role.BILLING])
    page = client.get(reverse("notifications:list")).content.decode()
    assert f"Whitaker Residence disputes {invoice.number}" in page
    assert f"Whitaker Residence withdrew the dispute of {invoice.number}" in page
    assert ">Disputed</span>" in page
    assert ">Withdrawn</span>" in page
    assert "clients disputing invoices" in page
    menu = client.get(reverse("notifications:menu")).content.decode()
    assert ">Disputed</span>" in menu
    assert ">Withdrawn</span>" in menu
    assert client.get(reverse("billing:dispute_detail", args=[dispute.pk])).status_code == 200
