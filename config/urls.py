from django.urls import include, path, re_path
from django.views import defaults

from api import errors as api_errors
from billing import urls as billing_urls
from health.views import HealthView
from reports.views import DashboardView
from reports.views_accounting import AccountingExportFileView, AccountingExportView
from tenants import urls as tenants_urls
from tickets.views_cost_rates import CostRateView

# The staff home page ("/", tenants:home) is the reports dashboard: reports sits above every app it sums
# up, so it joins the tenants namespace here instead of tenants importing it.
# A staff member's cost rate is set from the team page but served by tickets (it re-values time entries).
tenants_patterns = [
    path("", DashboardView.as_view(), name="home"),
    *tenants_urls.urlpatterns,
    path("team/<int:pk>/cost-rate/", CostRateView.as_view(), name="cost_rate"),
]
# The accounting export uses the reports' period picker, so it lives in reports and joins billing here.
billing_patterns = [
    path("export/", AccountingExportView.as_view(), name="export"),
    re_path(
        r"^export/(?P<kind>invoices|credit-notes|payments)\.csv$",
        AccountingExportFileView.as_view(),
        name="export_file",
    ),
    *billing_urls.urlpatterns,
]

urlpatterns = [
    # Load balancers and docker-compose: every check; a web process's own (database, Redis).
    path("healthz", HealthView.as_view(), name="healthz"),
    path("healthz/web", HealthView.as_view(group="web"), name="healthz_web"),
    path("", include((tenants_patterns, tenants_urls.app_name))),
    path("accounts/", include("accounts.urls")),
    path("clients/import/", include("imports.urls")),
    path("clients/", include("clients.urls")),
    path("api-keys/", include("api.staff_urls")),
    path("audit/", include("audit.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("sla/", include("service_levels.urls")),
    path("plans/", include("memberships.urls")),
    path("memberships/", include("billing.urls_subscriptions")),
    path("tickets/", include("tickets.urls")),
    path("portal/", include("portal.urls")),
    path("contracts/verify/", include("portal.urls_staff")),
    path("contracts/", include("contracts.urls")),
    path("notifications/", include("notifications.urls")),
    path("billing/", include((billing_patterns, billing_urls.app_name))),
    path("reports/", include("reports.urls")),
    path("rewards/best-practices/", include("rewards.urls_best_practices")),
    path("rewards/", include("rewards.urls")),
    path("spotlight/", include("rewards.urls_public")),
    path("api/v1/", include("config.api_urls")),
]


# Anything under /api/ answers in the API's JSON error format, even with no matching route.
def handler404(request, exception):
    if api_errors.is_api_request(request):
        return api_errors.not_found(request)
    return defaults.page_not_found(request, exception)


def handler500(request):
    if api_errors.is_api_request(request):
        return api_errors.server_error(request)
    return defaults.server_error(request)


def handler403(request, exception):
    if api_errors.is_api_request(request):
        return api_errors.permission_denied(request)
    return defaults.permission_denied(request, exception)


def handler400(request, exception):
    if api_errors.is_api_request(request):
        return api_errors.bad_request(request)
    return defaults.bad_request(request, exception)
