"""The reports as CSV: a header row and one row per line of the report, in the tenant's time zone."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.http import HttpResponse

from reports.periods import Period
from reports.selectors import GROUPINGS, BreachRow, ComplianceRow, UtilizationRow

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Spreadsheets run a cell that starts like a formula: a client named "=HYPERLINK(…)" must stay text."""
    if value is None:
        return ""
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so Excel reads UTF-8 (client names with accents)
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return response


def _span(period: Period) -> str:
    return f"{period.start:%Y-%m-%d}_{period.end:%Y-%m-%d}"


def compliance_csv(rows: list[ComplianceRow], *, period: Period, group_by: str) -> HttpResponse:
    header = [GROUPINGS[group_by], "Met", "Breached", "Total", "% met", "Pending"]
    body = [[r.label, r.met, r.breached, r.total, "" if r.percent is None else f"{r.percent:.1f}", r.pending]
            for r in rows]  # fmt: skip
    return csv_response(f"sla-compliance-by-{group_by}_{_span(period)}.csv", header, body)


def breaches_csv(rows: list[BreachRow], *, period: Period) -> HttpResponse:
    zone = ZoneInfo(period.timezone)

    def local(value):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    header = ["Ticket", "Title", "Client", "Priority", "Metric", "Target (business minutes)", "Target set by",
              f"Due ({period.timezone})", f"Recorded ({period.timezone})", f"Met ({period.timezone})",
              "Minutes late", "Assignee", "Ticket status", "Reason"]  # fmt: skip
    body = [[f"#{r.ticket_number}", r.ticket_title, r.client, r.priority, r.metric_label, r.target_minutes,
             r.target_reason, local(r.due_at), local(r.recorded_at), local(r.met_at), r.late_minutes,
             r.assignee, r.ticket_status, r.reason] for r in rows]  # fmt: skip
    return csv_response(f"sla-breaches_{_span(period)}.csv", header, body)


def utilization_csv(rows: list[UtilizationRow], *, period: Period) -> HttpResponse:
    header = ["Client", "Managed endpoints", "Tickets", "Tickets per 100 endpoints (%)", "Target (%)",
              "Over target"]  # fmt: skip
    body = [[r.client, r.endpoints, r.tickets, "" if r.percent is None else f"{r.percent:.1f}",
             r.target_percent, "yes" if r.over_target else "no"] for r in rows]  # fmt: skip
    return csv_response(f"utilization_{_span(period)}.csv", header, body)
