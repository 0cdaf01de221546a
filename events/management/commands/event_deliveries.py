from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from events.dispatch import unsubscribed_error
from events.selectors import deliveries_by_consumer, events_awaiting_deliveries, failed_deliveries
from events.services import retry_failed_deliveries


def _age(since: datetime | None, now: datetime) -> str:
    if since is None:
        return "-"
    seconds = max(int((now - since).total_seconds()), 0)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _table(headers: list[str], rows: list[list[object]], numeric: set[int]) -> list[str]:
    """Left-aligned text columns, right-aligned counts, two spaces apart."""
    cells = [headers, *[[str(cell) for cell in row] for row in rows]]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    return [
        "  ".join(
            cell.rjust(width) if column in numeric else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in cells
    ]


class Command(BaseCommand):
    help = (
        "The event bus for operators: per consumer, pending (due now / waiting for a retry), failed and "
        "done in the last 24 h, with the oldest pending age and the last error. --failed lists failed "
        "deliveries; --retry-failed and --retry ID put failed deliveries back to pending now."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--failed", action="store_true", help="List failed deliveries, oldest first.")
        action.add_argument(
            "--retry-failed", action="store_true", help="Put every failed delivery back to pending, due now."
        )
        action.add_argument(
            "--retry", nargs="+", type=int, metavar="ID", help="Put these failed deliveries back to pending."
        )
        parser.add_argument("--consumer", help="Only this consumer (with --failed or --retry-failed).")

    def handle(self, *args, **options):
        consumer = options["consumer"]
        if consumer and not (options["failed"] or options["retry_failed"]):
            raise CommandError("--consumer goes with --failed or --retry-failed.")
        if options["retry_failed"]:
            retried = retry_failed_deliveries(consumer=consumer)
            scope = f" of {consumer}" if consumer else ""
            self.stdout.write(f"{retried} failed deliveries{scope} are pending again, due now.")
        elif options["retry"]:
            ids = sorted(set(options["retry"]))
            retried = retry_failed_deliveries(delivery_ids=ids)
            self.stdout.write(f"{retried} of {len(ids)} given deliveries were failed and are pending again.")
            if retried < len(ids):
                self.stdout.write("The others do not exist or are not failed; see --failed.")
        elif options["failed"]:
            self._list_failed(consumer)
        else:
            self._summarize(timezone.now())

    def _summarize(self, now: datetime) -> None:
        summaries = deliveries_by_consumer(now=now)
        awaiting = events_awaiting_deliveries()
        if awaiting.events:
            self.stdout.write(
                f"{awaiting.events} events (the oldest {_age(awaiting.oldest_since, now)} old) await their "
                "deliveries: the dispatcher's next pass makes them. If this stays, no dispatcher is "
                "running.\n"
            )
        if not summaries:
            self.stdout.write("No consumer is subscribed and no delivery is pending, failed or recent.")
            return
        headers = ["consumer", "due now", "waiting retry", "failed", "done 24 h", "oldest pending"]
        rows = [
            [
                summary.consumer + ("" if summary.is_subscribed else " (not subscribed)"),
                summary.due_now,
                summary.waiting_for_retry,
                summary.failed,
                summary.done_recently,
                _age(summary.oldest_pending_since, now),
            ]
            for summary in summaries
        ]
        total = ["total", *(sum(row[column] for row in rows) for column in range(1, 5)), ""]
        for line in _table(headers, [*rows, total], numeric={1, 2, 3, 4, 5}):
            self.stdout.write(line)

        failing = [summary for summary in summaries if summary.failed]
        if failing:
            self.stdout.write("\nLast error of each consumer with failed deliveries:")
            for summary in failing:
                error = _first_line(summary.last_error)
                self.stdout.write(f"  {summary.consumer} (delivery {summary.last_failed_id}): {error}")
        # Failed by a worker that lacked the handler (a rolling deploy) and subscribed in this code now.
        ready_again = [
            summary.consumer
            for summary in failing
            if summary.is_subscribed and summary.last_error == unsubscribed_error(summary.consumer)
        ]
        for name in ready_again:
            self.stdout.write(
                f"\n{name} failed where its handler was missing and is subscribed now: "
                f"retry with --retry-failed --consumer {name}"
            )

    def _list_failed(self, consumer: str | None) -> None:
        failed = failed_deliveries(consumer=consumer)
        scope = f" of {consumer}" if consumer else ""
        self.stdout.write(f"{len(failed)} failed deliveries{scope}.")
        if not failed:
            return
        rows = [
            [
                delivery.pk,
                delivery.tenant.slug,
                delivery.event.name,
                delivery.consumer,
                delivery.attempts,
                _first_line(delivery.last_error),
            ]
            for delivery in failed
        ]
        headers = ["id", "tenant", "event", "consumer", "attempts", "last error"]
        for line in _table(headers, rows, numeric={0, 4}):
            self.stdout.write(line)
