"""The revenue page's tables as CSV (amounts as plain numbers with two decimals, in the tenant's currency;
percentages with one decimal, empty when there is nothing to divide by)."""

from __future__ import annotations

from django.http import HttpResponse

from reports.exports import csv_response
from reports.revenue import RevenueReport

TABLES = {
    "movements": "MRR movements by month",
    "mrr": "MRR by month",
    "retention": "Retention and logo churn by month",
    "plans": "MRR by tier and rider",
    "coverage": "Contract coverage and MRR",
}


def _pct(value) -> str:
    return "" if value is None else f"{value:.1f}"


def _trailing(row, name) -> str:
    return _pct(getattr(row.trailing, name)) if row.trailing else ""


def revenue_csv(report: RevenueReport, *, table: str, currency: str) -> HttpResponse:
    months = report.months
    if table == "movements":
        header = [
            "Month",
            "MRR read on",
            f"Opening MRR ({currency})",
            "New",
            "Expansion",
            "Reactivated",
            "Contraction",
            "Churned",
            "Net change",
            f"Closing MRR ({currency})",
            "New clients",
            "Expanded clients",
            "Reactivated clients",
            "Contracted clients",
            "Churned clients",
        ]
        body = [
            [
                f"{r.month:%Y-%m}",
                r.as_of,
                r.opening,
                r.new,
                r.expansion,
                r.reactivated,
                r.contraction,
                r.churned,
                r.net,
                r.closing,
                r.new_clients,
                r.expansion_clients,
                r.reactivated_clients,
                r.contraction_clients,
                r.churned_clients,
            ]
            for r in months
        ]
    elif table == "mrr":
        header = [
            "Month",
            "MRR read on",
            f"MRR ({currency})",
            f"ARR ({currency})",
            "Paying clients",
            "Change in MRR",
        ]
        body = [
            [f"{r.month:%Y-%m}", r.as_of, r.closing, r.closing * 12, r.paying_at_end, r.net] for r in months
        ]
    elif table == "retention":
        header = [
            "Month",
            "Paying at start",
            "Churned clients",
            "Logo churn (%)",
            "GRR (%)",
            "NRR (%)",
            "Cohort a year earlier (clients)",
            "GRR 12 months (%)",
            "NRR 12 months (%)",
            "Logo churn 12 months (%)",
        ]
        body = [
            [
                f"{r.month:%Y-%m}",
                r.paying_at_start,
                r.churned_clients,
                _pct(r.logo_churn),
                _pct(r.grr),
                _pct(r.nrr),
                r.trailing.cohort_clients if r.trailing else "",
                _trailing(r, "grr"),
                _trailing(r, "nrr"),
                _trailing(r, "logo_churn"),
            ]
            for r in months
        ]
    elif table == "plans":
        header = ["Kind", "Plan", "Clients today", f"MRR ({currency})", "Share of MRR (%)"]
        body = [[r.kind, r.name, r.clients, r.mrr, _pct(r.share)] for r in report.plans]
    elif table == "coverage":
        header = [
            "Contract",
            "Active clients",
            "Share of clients (%)",
            "Paying clients",
            f"MRR ({currency})",
            "Share of MRR (%)",
        ]
        body = [
            [r.label, r.clients, _pct(r.clients_share), r.paying_clients, r.mrr, _pct(r.mrr_share)]
            for r in report.coverage
        ]
    else:
        raise ValueError(f"Unknown table {table!r}")
    return csv_response(f"revenue-{table}_{report.today:%Y-%m-%d}.csv", header, body)
