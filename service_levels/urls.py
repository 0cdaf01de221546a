from django.urls import path
from django.views.generic import RedirectView

from service_levels import views

app_name = "service_levels"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="service_levels:policy_list"), name="index"),
    path("policies/", views.PolicyListView.as_view(), name="policy_list"),
    path("policies/new/", views.PolicyCreateView.as_view(), name="policy_create"),
    path("policies/<int:pk>/edit/", views.PolicyUpdateView.as_view(), name="policy_update"),
    path("calendars/", views.CalendarListView.as_view(), name="calendar_list"),
    path("calendars/new/", views.CalendarCreateView.as_view(), name="calendar_create"),
    path("calendars/<int:pk>/", views.CalendarDetailView.as_view(), name="calendar_detail"),
    path("calendars/<int:pk>/edit/", views.CalendarUpdateView.as_view(), name="calendar_update"),
    path("calendars/<int:pk>/delete/", views.CalendarDeleteView.as_view(), name="calendar_delete"),
    path("calendars/<int:pk>/closures/", views.ClosureCreateView.as_view(), name="closure_create"),
    path("closures/<int:pk>/remove/", views.ClosureRemoveView.as_view(), name="closure_remove"),
    path("priority-matrix/", views.PriorityMatrixView.as_view(), name="priority_matrix"),
    path("issue-types/", views.IssueTypeListView.as_view(), name="issue_type_list"),
    path("issue-types/new/", views.IssueTypeCreateView.as_view(), name="issue_type_create"),
    path("issue-types/<int:pk>/edit/", views.IssueTypeUpdateView.as_view(), name="issue_type_update"),
    path("issue-types/<int:pk>/active/", views.IssueTypeActiveView.as_view(), name="issue_type_active"),
    path("preview/", views.PreviewView.as_view(), name="preview"),
]
