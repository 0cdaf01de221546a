from django.urls import path

from rewards import views_utilization

app_name = "rewards"

urlpatterns = [
    path(
        "programs/utilization/",
        views_utilization.UtilizationProgramView.as_view(),
        name="utilization_program",
    ),
]
