"""Staff pages of clients' memberships, under /memberships/ (billing.urls is the invoices')."""

from django.urls import path

from billing import views_subscriptions as views

app_name = "subscriptions"

urlpatterns = [
    path("clients/<int:client_pk>/start/", views.SubscriptionStartView.as_view(), name="start"),
    path("<int:pk>/change/", views.SubscriptionChangeView.as_view(), name="change"),
    path("<int:pk>/cancel/", views.SubscriptionCancelView.as_view(), name="cancel"),
    path("<int:pk>/resume/", views.SubscriptionResumeView.as_view(), name="resume"),
    path("<int:pk>/keep/", views.ScheduledChangeDropView.as_view(), name="drop_scheduled"),
]
