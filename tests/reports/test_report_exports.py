"""CSV exports of each report: header, rows, content type and file name, through the pages' links."""

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

RANGE = {"period": "custom", "start": "2026-10-01", "end": "2026-11-30"}


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads UTF-8
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_compliance_export(staff_client, history):
    response = staff_client.get(reverse("reports:compliance_csv"), RANGE | {"group_by": "priority"})
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="sla-compliance-by-priority_2026-10-01_2026-11-30.csv"'
    )
    assert read_csv(response) == [
        ["Priority", "Met", "Breached", "Total", "% met", "Pending"],
        ["P1 · Critical", "3", "0", "3", "100.0", "0"],
        ["P2 · High", "2", "1", "3", "66.7", "0"],
        ["P3 · Medium", "1", "1", "2", "50.0", "1"],
    ]


def test_the_breach_export_in_the_tenants_time(staff_client, history):
    response = staff_client.get(reverse("reports:breaches_csv"), RANGE)
    assert response["Content-Disposition"] == 'attachment; filename="sla-breaches_2026-10-01_2026-11-30.csv"'
    rows = read_csv(response)
    assert rows[0][:8] == ["Ticket", "Title", "Client", "Priority", "Metric", "Target (business minutes)",
                           "Target set by", "Due (America/New_York)"]  # fmt: skip
    assert [row[0] for row in rows[1:]] == ["#3", "#1"]
    printer = dict(zip(rows[0], rows[1], strict=True))
    assert printer["Due (America/New_York)"] == "2026-11-16 13:00"
    assert printer["Minutes late"] == "60"
    assert printer["Reason"] == "Not met by 2026-11-16 18:00 UTC"


def test_the_utilization_export(staff_client, tenant, history):
    ClientFactory(tenant=tenant, name="=HYPERLINK(evil)", managed_endpoints=10)
    response = staff_client.get(reverse("reports:utilization_csv"), RANGE)
    assert response["Content-Disposition"] == 'attachment; filename="utilization_2026-10-01_2026-11-30.csv"'
    rows = read_csv(response)
    assert rows[0] == [
        "Client", "Managed endpoints", "Tickets", "Tickets per 100 endpoints (%)", "Target (%)", "Over target"
    ]  # fmt: skip
    assert rows[1] == ["Okafor Dental Group", "4", "1", "25.0", "20", "yes"]
    assert rows[2] == ["Whitaker Residence", "25", "2", "8.0", "20", "no"]
    assert ["'=HYPERLINK(evil)", "10", "0", "0.0", "20", "no"] in rows  # never a live formula


def test_an_export_of_a_bad_range_says_why_instead_of_exporting_another_period(staff_client, history):
    backwards = {"period": "custom", "start": "2026-11-30", "end": "2026-10-01"}
    response = staff_client.get(reverse("reports:utilization_csv"), backwards)
    assert response.status_code == 400
    assert response.content.decode() == "The start date must be on or before the end date."
