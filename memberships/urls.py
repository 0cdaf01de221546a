from django.urls import path

from memberships import views

app_name = "memberships"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="plan_list"),
    path("new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("<int:pk>/edit/", views.PlanUpdateView.as_view(), name="plan_update"),
    path("<int:pk>/archive/", views.PlanArchiveView.as_view(), name="plan_archive"),
]
