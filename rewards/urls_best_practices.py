from django.urls import path

from rewards import views_best_practices as views

app_name = "best_practices"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("checklist/", views.ChecklistView.as_view(), name="checklist"),
    path("checklist/practices/new/", views.PracticeFormView.as_view(), name="practice_create"),
    path("checklist/practices/<int:pk>/edit/", views.PracticeFormView.as_view(), name="practice_update"),
    path("checklist/practices/<int:pk>/action/", views.PracticeActionView.as_view(), name="practice_action"),
    path("checklist/tiers/new/", views.TierFormView.as_view(), name="tier_create"),
    path("checklist/tiers/<int:pk>/", views.TierFormView.as_view(), name="tier_update"),
    path("clients/<int:pk>/", views.ClientComplianceView.as_view(), name="client"),
    path("evidence/<int:pk>/", views.EvidenceView.as_view(), name="evidence"),
]
