"""Staff side of signing: check a PDF or a hash against the tenant's signed documents."""

from django.urls import path

from portal import views_staff

app_name = "contract_verify"

urlpatterns = [
    path("", views_staff.VerifyView.as_view(), name="verify"),
]
