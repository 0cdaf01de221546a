from django.urls import path

from rewards import views, views_utilization

app_name = "rewards"

urlpatterns = [
    path("", views.RewardsOverviewView.as_view(), name="index"),
    path("cost.json", views.RewardsCostJsonView.as_view(), name="cost_json"),
    path("clients/<int:pk>/", views.ClientRewardsView.as_view(), name="client"),
    path("clients/<int:pk>/grant/", views.GrantRewardView.as_view(), name="grant"),
    path("<int:pk>/deliver/", views.MarkDeliveredView.as_view(), name="deliver"),
    path("<int:pk>/withdraw/", views.WithdrawRewardView.as_view(), name="withdraw"),
    path(
        "programs/utilization/",
        views_utilization.UtilizationProgramView.as_view(),
        name="utilization_program",
    ),
]
