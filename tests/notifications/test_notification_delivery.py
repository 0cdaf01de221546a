"""SLA warnings and breaches become notifications: to whom, once, and when by email too."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from contracts.models import EmailLog
from events.dispatch import dispatch_pending
from events.models import DeliveryStatus, EventDelivery
from notifications.models import EmailStatus, Notification
from notifications.services import is_off_shift, send_pending_emails
from tenants.roles import Role
from tenants.scope import cross_tenant, tenant_scope
from tests.concurrency import race
from tests.factories import TenantFactory
from tickets import services
from tickets.sweeper import sweep

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")


def ny(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A time in New York in the week of Monday 16 November 2026."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=NY)


def deliver(now=None):
    """What the worker does: the bus hands each SLA event to notifications, then queued emails go out.
    Returns (events handled, emails sent)."""
    handled = dispatch_pending(now=now).handled
    return handled, send_pending_emails()


def open_ticket(tenant, desk, *, priority="P3", at=None, assignee=None):
    with tenant_scope(tenant):
        return services.open_ticket(
            client=desk["client"], title="Projector has no picture", priority=priority, assignee=assignee,
            now=at or ny(16, 10),
        )  # fmt: skip


def told(tenant, **filters) -> list[Notification]:
    with tenant_scope(tenant):
        return list(Notification.objects.filter(**filters).select_related("recipient").order_by("id"))


def recipients(tenant, **filters) -> set:
    return {n.recipient for n in told(tenant, **filters)}


def test_a_breach_tells_the_assignee_the_dispatchers_and_escalates_to_managers_and_owners(tenant, desk, team):
    open_ticket(tenant, desk, assignee=team[Role.TECHNICIAN])  # P3: first response due 14:00 (4 h, 24/7)
    sweep(now=ny(16, 14, 1))
    events, emails = deliver(now=ny(16, 14, 1))
    expected = {team[Role.TECHNICIAN], team[Role.DISPATCHER], team[Role.MANAGER], team[Role.OWNER]}
    assert recipients(tenant, kind="sla.breached") == expected
    assert told(tenant, kind="sla.warning") == []  # claimed in the same pass: the breach says it all
    assert events == 2
    assert len(told(tenant)) == 4
    assert emails == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(user.email for user in expected)
    notification = told(tenant, recipient=team[Role.MANAGER])[0]
    assert notification.title == "First response breached on #1 Projector has no picture"
    assert "Was due Mon 16 Nov, 14:00 EST" in notification.body
    assert "as a manager (escalation)" in notification.body


def test_a_warning_tells_only_the_assignee_and_the_dispatchers(tenant, desk, team):
    open_ticket(tenant, desk, assignee=team[Role.TECHNICIAN])
    sweep(now=ny(16, 13, 1))  # 75 % of the four hours
    deliver(now=ny(16, 13, 1))
    assert recipients(tenant) == {team[Role.TECHNICIAN], team[Role.DISPATCHER]}
    assert {n.kind for n in told(tenant)} == {"sla.warning"}
    assert "First response due soon on #1" in told(tenant)[0].title


def test_an_unassigned_ticket_tells_the_dispatchers(tenant, desk, team):
    open_ticket(tenant, desk)
    sweep(now=ny(16, 13, 1))
    deliver(now=ny(16, 13, 1))
    assert recipients(tenant) == {team[Role.DISPATCHER]}
    assert "Nobody is assigned yet." in told(tenant)[0].body


def test_a_warning_whose_clock_stopped_before_delivery_is_dropped(tenant, desk, team):
    ticket = open_ticket(tenant, desk, assignee=team[Role.TECHNICIAN])
    sweep(now=ny(16, 13, 1))
    with tenant_scope(tenant):
        services.add_reply(ticket, body="On it.", author=team[Role.TECHNICIAN], now=ny(16, 13, 5))
    events, _ = deliver(now=ny(16, 13, 6))
    assert events == 2  # the warning, dropped; and the reply, for the client's email
    assert told(tenant) == []


def test_each_event_is_delivered_once_however_often_delivery_runs(tenant, desk, team):
    open_ticket(tenant, desk, assignee=team[Role.TECHNICIAN])
    sweep(now=ny(16, 14, 1))
    deliver(now=ny(16, 14, 1))
    assert deliver(now=ny(16, 14, 2)) == (0, 0)
    assert len(told(tenant)) == 4
    assert len(mail.outbox) == 4
    with cross_tenant("check the deliveries"):
        assert not EventDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_tell_each_person_once(tenant, desk, team):
    open_ticket(tenant, desk, assignee=team[Role.TECHNICIAN])
    sweep(now=ny(16, 13, 1))  # one warning: assignee and dispatcher
    results = race(lambda: deliver(now=ny(16, 13, 2)))
    assert sorted(events for events, _ in results) == [0, 1]
    assert sum(emails for _, emails in results) == 2
    notifications = told(tenant)
    assert sorted(n.recipient.pk for n in notifications) == sorted(
        [team[Role.TECHNICIAN].pk, team[Role.DISPATCHER].pk]
    )
    assert len(mail.outbox) == 2


def test_at_night_a_p3_breach_is_in_the_app_only(tenant, desk, team):
    open_ticket(tenant, desk, assignee=team[Role.TECHNICIAN], at=ny(16, 19))  # due 23:00
    with time_machine.travel(ny(16, 23, 0, 30), tick=False):
        sweep()
        deliver()
    breach = told(tenant, kind="sla.breached")
    assert len(breach) == 4
    assert {n.email_status for n in breach} == {EmailStatus.QUIET_HOURS}
    assert mail.outbox == []


def test_at_night_a_p1_breach_is_emailed_too(tenant, desk, team):
    open_ticket(tenant, desk, priority="P1", assignee=team[Role.TECHNICIAN], at=ny(16, 22))  # due 23:00
    with time_machine.travel(ny(16, 23, 0, 30), tick=False):
        sweep()
        deliver()
    breach = told(tenant, kind="sla.breached")
    assert {n.email_status for n in breach} == {EmailStatus.SENT}
    assert len(mail.outbox) == 4
    message = mail.outbox[0]
    assert message.subject == "First response breached on #1 Projector has no picture"
    assert "P1 · Critical" in message.body
    assert "/notifications/" in message.body
    with tenant_scope(tenant):
        assert EmailLog.objects.filter(related_kind="notification", status="sent").count() == 4


def test_a_daytime_p3_breach_is_emailed(tenant, desk, team):
    open_ticket(tenant, desk, assignee=team[Role.TECHNICIAN], at=ny(16, 9))  # due 13:00
    with time_machine.travel(ny(16, 13, 0, 30), tick=False):
        sweep()
        deliver()
    assert {n.email_status for n in told(tenant)} == {EmailStatus.SENT}


@pytest.mark.parametrize(
    ("hour", "minute", "off"),
    [
        (19, 59, False),
        (20, 0, True),
        (23, 30, True),
        (3, 0, True),
        (6, 59, True),
        (7, 0, False),
        (12, 0, False),
    ],
)
def test_staff_are_off_shift_from_eight_in_the_evening_to_seven_in_the_morning_their_time(hour, minute, off):
    new_york = TenantFactory.build(timezone="America/New_York")
    at = datetime(2026, 11, 16, hour, minute, tzinfo=NY)
    assert is_off_shift(new_york, at) is off
    london = TenantFactory.build(timezone="Europe/London")  # 20:00 in New York is 01:00 in London
    assert is_off_shift(london, datetime(2026, 11, 16, 14, 0, tzinfo=NY)) is False


def test_events_of_each_tenant_notify_only_its_own_staff(tenant, desk, team, other_tenant):
    from tests.factories import ClientFactory, StaffMembershipFactory, sla_desk

    rival_dispatcher = StaffMembershipFactory(tenant=other_tenant, role=Role.DISPATCHER).user
    rival_desk = {**sla_desk(other_tenant), "client": ClientFactory(tenant=other_tenant)}
    open_ticket(tenant, desk)
    open_ticket(other_tenant, rival_desk)
    sweep(now=ny(16, 13, 1))
    deliver(now=ny(16, 13, 1))
    assert recipients(tenant) == {team[Role.DISPATCHER]}
    assert recipients(other_tenant) == {rival_dispatcher}


def test_a_refused_email_is_recorded_as_failed_and_the_in_app_notification_stays(
    tenant, desk, team, monkeypatch
):
    from django.core.mail import EmailMultiAlternatives

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    open_ticket(tenant, desk, assignee=team[Role.TECHNICIAN])
    sweep(now=ny(16, 13, 1))
    assert deliver(now=ny(16, 13, 1)) == (1, 0)
    assert {n.email_status for n in told(tenant)} == {EmailStatus.FAILED}
    assert deliver(now=ny(16, 13, 2)) == (0, 0)  # not retried in a loop
    with tenant_scope(tenant):
        assert EmailLog.objects.filter(status="failed", error="SMTP server down").count() == 2
