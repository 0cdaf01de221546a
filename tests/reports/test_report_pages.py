"""The report pages: filters, tables, charts fed by the API, empty states, who may see them."""

import re

import pytest
from django.urls import reverse

from tenants.roles import Role

pytestmark = pytest.mark.django_db

RANGE = {"period": "custom", "start": "2026-10-01", "end": "2026-11-30"}


def test_reports_start_at_sla_compliance(staff_client):
    response = staff_client.get(reverse("reports:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:compliance")


def test_the_compliance_page_shows_the_table_the_chart_source_and_the_export(staff_client, history):
    page = staff_client.get(
        reverse("reports:compliance"), RANGE | {"group_by": "technician"}
    ).content.decode()
    assert "Grace Hopper" in page
    assert "60.0 %" in page
    assert "75.0 %" in page
    assert 'data-report-chart="compliance"' in page
    assert "/api/v1/reports/sla-compliance/?period=custom&amp;start=2026-10-01&amp;end=2026-11-30" in page
    assert (
        "/reports/sla/export.csv?period=custom&amp;start=2026-10-01&amp;end=2026-11-30&amp;group_by" in page
    )
    assert 'src="/static/vendor/chart-4.6.1.umd.min.js"' in page
    assert 'src="/static/js/reports.js"' in page
    assert "<script>" not in page  # strict CSP: no inline scripts


def test_the_breach_page_lists_breaches_with_reasons(staff_client, history):
    page = staff_client.get(reverse("reports:breaches"), RANGE).content.decode()
    assert "#3" in page
    assert "Printer offline" in page
    assert "target 4 h · " in page  # and which policy set it
    assert "1 h late" in page
    assert "20 h late" in page
    assert "Met late" in page
    assert "2 breaches due" in page


def test_the_utilization_page_shows_each_client_against_the_target(staff_client, history):
    page = staff_client.get(reverse("reports:utilization"), RANGE).content.decode()
    assert "Okafor Dental Group" in page
    assert "25.0 %" in page
    assert "Over target" in page
    assert "target ≤ 20 %" in page


def test_filters_swap_the_report_in_place_with_htmx(staff_client, history):
    response = staff_client.get(
        reverse("reports:compliance"), RANGE | {"group_by": "metric"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "On-site arrival" in html
    assert 'id="report-tabs" class="mb-3" aria-label="Reports" hx-swap-oob="true"' in html


def test_a_bad_custom_range_says_what_is_wrong_and_shows_this_month(staff_client, history):
    page = staff_client.get(
        reverse("reports:compliance"), {"period": "custom", "start": "2026-11-30", "end": "2026-10-01"}
    ).content.decode()
    assert "The start date must be on or before the end date." in page
    assert "Showing this month" in page


def test_an_empty_period_says_what_to_do(staff_client):
    page = staff_client.get(reverse("reports:compliance")).content.decode()
    assert "No SLA clocks for tickets opened this month" in page
    assert "No breaches due" in staff_client.get(reverse("reports:breaches")).content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.OWNER, 200), (Role.MANAGER, 200), (Role.DISPATCHER, 200), (Role.BILLING, 200),
     (Role.READ_ONLY, 200), (Role.TECHNICIAN, 403)],
)  # fmt: skip
def test_who_may_see_reports(client, login_as, tenant, role, status):
    login_as(tenant, role)
    for name in ("reports:compliance", "reports:breaches", "reports:utilization", "reports:utilization_csv"):
        assert client.get(reverse(name)).status_code == status
    api = client.get(reverse("api:report-utilization-list"))
    assert api.status_code == status


def test_the_breach_list_pages_by_keyset_and_keeps_the_period(staff_client, history, monkeypatch):
    from reports.views import BreachListView

    monkeypatch.setattr(BreachListView, "paginate_by", 1)
    first = staff_client.get(reverse("reports:breaches"), RANGE).content.decode()
    link = re.search(r'href="\?([^"]*cursor=[\w-]+)" rel="next"', first)[1].replace("&amp;", "&")
    assert link.startswith("period=custom&start=2026-10-01&end=2026-11-30&cursor=")
    second = staff_client.get(f"{reverse('reports:breaches')}?{link}").content.decode()

    shown = [re.findall(r'<span class="fw-medium">(#\d+)</span>', page) for page in (first, second)]
    assert len(shown[0]) == len(shown[1]) == 1
    assert shown[0] != shown[1]
    assert "2 breaches due" in second  # the period's total, on every page
    assert 'rel="next"' not in second
    assert 'rel="prev">Previous<' in second
