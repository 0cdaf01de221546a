from celery import shared_task
from django.core import management


@shared_task
def clear_expired_sessions():
    """Daily housekeeping: drop expired staff sessions."""
    management.call_command("clearsessions")
