"""The clocks paused before paused_business_left existed get it: the business time each had left when its
open pause began, on its own calendar, computed by the SLA engine as SlaClock.refresh_times does (a
paused clock's time left stands still, so the pause's start gives what any later moment would).

The historical models have no methods, so the engine is reached through the app's pure functions: the
calendar's weekly hours as BusinessCalendar.weekly_intervals reads them, its holidays and closures from
service_levels.selectors.holiday_dates, the arithmetic from tickets.clock. Batches of BATCH clocks, each
calendar built once. Backwards there is nothing to undo (the column goes with 0014's reversal)."""

from datetime import datetime, timedelta

from django.db import migrations

BATCH = 1000


def fill(apps, schema_editor):
    from service_levels import engine
    from service_levels.models import BusinessCalendar as CalendarModel
    from service_levels.selectors import holiday_dates
    from tickets import clock as clock_math

    # The owner role that migrates reads every tenant's rows (tenants/migrations/0007_policies_by_role).
    SlaClock = apps.get_model("tickets", "SlaClock")
    BusinessCalendar = apps.get_model("service_levels", "BusinessCalendar")
    calendars: dict[int, engine.BusinessCalendar] = {}

    def engine_calendar(calendar_id: int) -> engine.BusinessCalendar:
        if calendar_id not in calendars:
            row = BusinessCalendar.objects.get(pk=calendar_id)
            calendars[calendar_id] = engine.BusinessCalendar(
                timezone=row.timezone,
                weekly_hours=CalendarModel.weekly_intervals(row),
                holidays=holiday_dates(row),
            )
        return calendars[calendar_id]

    paused = SlaClock.objects.filter(state="paused", paused_business_left__isnull=True).order_by("pk")
    batch = []
    for clock in paused.only("pk", "calendar_id", "started_at", "pauses", "target_minutes").iterator(BATCH):
        pauses = [
            (datetime.fromisoformat(start), datetime.fromisoformat(end) if end else None)
            for start, end in clock.pauses
        ]
        if not clock_math.is_paused(pauses):
            continue  # no open pause to read from: the board counts it as it did, with no time left known
        clock.paused_business_left = clock_math.remaining(
            engine_calendar(clock.calendar_id),
            started_at=clock.started_at,
            pauses=pauses,
            target=timedelta(minutes=clock.target_minutes),
            at=pauses[-1][0],
        )
        batch.append(clock)
        if len(batch) == BATCH:
            SlaClock.objects.bulk_update(batch, ["paused_business_left"])
            batch = []
    SlaClock.objects.bulk_update(batch, ["paused_business_left"])


class Migration(migrations.Migration):
    dependencies = [
        ("service_levels", "0002_history"),
        ("tickets", "0014_paused_clocks_keep_business_time_left"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=False)]
