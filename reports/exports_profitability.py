"""Profitability as CSV: one row per client (or agreement), the period's figures, amounts in cents."""

from django.http import HttpResponse

from reports.exports import _span, csv_response
from reports.profitability import Report


def profitability_csv(report: Report, *, by_agreement: bool) -> HttpResponse:
    header = [
        "Client",
        *(["Agreement"] if by_agreement else []),
        "Membership",
        "Labour",
        "Credit notes",
        "Account credit",
        "Revenue",
        "Labour cost",
        "Margin",
        "Margin %",
        "Hours worked",
        "Effective hourly rate",
        "Covered hours",
        "Included hours",
    ]

    def line(row):
        return [
            row.client,
            *([row.agreement] if by_agreement else []),
            row.membership,
            row.labour,
            row.credit_notes,
            row.credits,
            row.revenue,
            row.cost,
            row.margin,
            "" if row.margin_percent is None else row.margin_percent,
            row.hours,
            "" if row.effective_rate is None else row.effective_rate,
            row.covered_hours,
            row.included_hours,
        ]

    what = "profitability-by-agreement" if by_agreement else "profitability"
    return csv_response(f"{what}_{_span(report.period)}.csv", header, [line(row) for row in report.rows])
