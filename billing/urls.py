from django.urls import path

from billing import views_run

app_name = "billing"

urlpatterns = [
    # The billing run (billing/views_run.py)
    path("run/", views_run.BillingRunView.as_view(), name="run"),
    path("run/start/", views_run.StartRunView.as_view(), name="run_start"),
    path("run/progress/", views_run.RunProgressView.as_view(), name="run_progress"),
]
