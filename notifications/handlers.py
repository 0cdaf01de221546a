"""What notifications does when the event bus hands it an event (imported by NotificationsConfig.ready)."""

from django.db import transaction

from events.bus import subscribe
from notifications.agreement_notices import notify_about_agreement
from notifications.dispute_notices import EVENTS as DISPUTE_EVENTS
from notifications.dispute_notices import notify_about_dispute
from notifications.models import EmailStatus
from notifications.reward_notices import notify_about_gift
from notifications.services import notify_about_event


def _email_after_commit(notifications) -> None:
    from notifications.tasks import send_notification_emails

    if any(n.email_status == EmailStatus.PENDING for n in notifications):
        transaction.on_commit(send_notification_emails.delay)


@subscribe("notifications.staff_sla_alerts", "sla.warning", "sla.breached")
def alert_staff_about_sla_event(event, *, now):
    """In-app notifications now; their emails right after the commit (beat retries what is left)."""
    _email_after_commit(notify_about_event(event, now=now))


@subscribe("notifications.staff_agreement_notices", "agreement.signed", "agreement.declined")
def tell_staff_about_client_signature(event, *, now):
    """A client signed or declined in the portal: owners, managers and the sender are told, in the app and
    by email (sent after the commit, as for SLA alerts)."""
    _email_after_commit(notify_about_agreement(event, now=now))


@subscribe("notifications.staff_dispute_notices", *DISPUTE_EVENTS)
def tell_staff_about_client_dispute(event, *, now):
    """A client disputed an invoice in the portal, answered on the dispute, accepted staff's explanation or
    withdrew: owners, managers and billing staff are told, in the app and by email (sent after the commit).
    Staff's own steps tell nobody."""
    _email_after_commit(notify_about_dispute(event, now=now))


@subscribe("notifications.staff_gift_notices", "reward.granted")
def tell_staff_a_gift_is_due(event, *, now):
    """A program granted a gift: owners and managers are told it is theirs to deliver, in the app and by
    email (sent after the commit). Credits and recognitions tell nobody."""
    _email_after_commit(notify_about_gift(event, now=now))
