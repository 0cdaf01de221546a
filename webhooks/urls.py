from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.EndpointListView.as_view(), name="list"),
    path("new/", views.EndpointCreateView.as_view(), name="create"),
    path("<int:pk>/", views.EndpointDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EndpointUpdateView.as_view(), name="update"),
    path("<int:pk>/rotate-secret/", views.EndpointRotateView.as_view(), name="rotate"),
    path("<int:pk>/enabled/", views.EndpointEnableView.as_view(), name="enabled"),
    path("<int:pk>/delete/", views.EndpointDeleteView.as_view(), name="delete"),
    path("deliveries/<int:pk>/send-again/", views.DeliverySendAgainView.as_view(), name="send_again"),
]
