from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.ImportStartView.as_view(), name="start"),
    path("template.csv", views.ImportTemplateView.as_view(), name="template"),
    path("<int:pk>/", views.ImportJobView.as_view(), name="job"),
    path("<int:pk>/run/", views.ImportRunView.as_view(), name="run"),
    path("<int:pk>/progress/", views.ImportProgressView.as_view(), name="progress"),
]
