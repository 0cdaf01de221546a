from celery import shared_task

from health import heartbeats


@shared_task(name=heartbeats.HEARTBEAT_TASK)
def heartbeat():
    """The worker's heartbeat (health/heartbeats.py)."""
    heartbeats.record(heartbeats.WORKER)
