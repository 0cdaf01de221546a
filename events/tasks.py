from celery import shared_task

from events.dispatch import BATCH, dispatch_pending, purge_old_events
from events.services import clear_pending_wake_up


@shared_task(ignore_result=True)
def dispatch_events() -> dict:
    """Woken after each commit that recorded events, and by beat every few seconds as the backstop.
    A full batch means more may be waiting: queue the next pass rather than wait for beat."""
    clear_pending_wake_up()  # before the claim: a commit from now on wakes a pass of its own
    result = dispatch_pending()
    if result.handled >= BATCH:
        dispatch_events.delay()
    return {"done": result.done, "retried": result.retried, "failed": result.failed}


@shared_task(ignore_result=True)
def purge_events() -> int:
    """Daily: settled events past the retention period (those with a failed delivery after three)."""
    return purge_old_events()
