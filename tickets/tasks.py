from celery import shared_task

from tickets.sweeper import sweep


@shared_task(ignore_result=True)
def sweep_sla_clocks() -> dict:
    """Beat runs this every few seconds; each pass records due warnings and breaches once."""
    result = sweep()
    return {"warned": result.warned, "breached": result.breached}
