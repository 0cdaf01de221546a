from celery import shared_task

from notifications.services import send_pending_emails


@shared_task(ignore_result=True)
def send_notification_emails() -> int:
    """Queued notification emails: woken after the bus wrote notifications, and on beat as the backstop."""
    return send_pending_emails()
