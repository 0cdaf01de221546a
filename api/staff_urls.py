from django.urls import path

from api import staff_views

app_name = "api_keys"

urlpatterns = [
    path("", staff_views.ApiKeyListView.as_view(), name="list"),
    path("new/", staff_views.ApiKeyCreateView.as_view(), name="create"),
    path("<int:pk>/revoke/", staff_views.ApiKeyRevokeView.as_view(), name="revoke"),
    path("<int:pk>/reassign/", staff_views.ApiKeyReassignView.as_view(), name="reassign"),
]
