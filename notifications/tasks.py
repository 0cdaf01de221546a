from celery import shared_task

from notifications.services import deliver_pending_events


@shared_task(ignore_result=True)
def deliver_notifications() -> dict:
    """Beat runs this every few seconds: each SLA event is delivered once, whichever worker runs it."""
    result = deliver_pending_events()
    return {"events": result.events, "notifications": result.notifications, "emails": result.emails}
