"""What notifications does when the event bus hands it an event (imported by NotificationsConfig.ready)."""

from django.db import transaction

from events.bus import subscribe
from notifications.models import EmailStatus
from notifications.services import notify_about_event


@subscribe("notifications.staff_sla_alerts", "sla.warning", "sla.breached")
def alert_staff_about_sla_event(event, *, now):
    """In-app notifications now; their emails right after the commit (beat retries what is left)."""
    from notifications.tasks import send_notification_emails

    notifications = notify_about_event(event, now=now)
    if any(n.email_status == EmailStatus.PENDING for n in notifications):
        transaction.on_commit(send_notification_emails.delay)
