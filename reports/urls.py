from django.urls import path

from reports import views, views_profitability, views_revenue

app_name = "reports"

urlpatterns = [
    path("", views.ReportsHomeView.as_view(), name="index"),
    path("sla/", views.ComplianceView.as_view(), name="compliance"),
    path("sla/export.csv", views.ComplianceCsvView.as_view(), name="compliance_csv"),
    path("breaches/", views.BreachListView.as_view(), name="breaches"),
    path("breaches/export.csv", views.BreachCsvView.as_view(), name="breaches_csv"),
    path("utilization/", views.UtilizationView.as_view(), name="utilization"),
    path("utilization/export.csv", views.UtilizationCsvView.as_view(), name="utilization_csv"),
    path("revenue/", views_revenue.RevenueView.as_view(), name="revenue"),
    path("revenue/export.csv", views_revenue.RevenueCsvView.as_view(), name="revenue_csv"),
    path("profitability/", views_profitability.ProfitabilityView.as_view(), name="profitability"),
    path(
        "profitability/export.csv",
        views_profitability.ProfitabilityCsvView.as_view(),
        name="profitability_csv",
    ),
    path(
        "profitability/agreements/",
        views_profitability.ProfitabilityByAgreementView.as_view(),
        name="profitability_agreements",
    ),
    path(
        "profitability/agreements/export.csv",
        views_profitability.ProfitabilityByAgreementCsvView.as_view(),
        name="profitability_agreements_csv",
    ),
    path(
        "profitability/clients/<int:pk>/",
        views_profitability.ClientProfitabilityView.as_view(),
        name="profitability_client",
    ),
]
