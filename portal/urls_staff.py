"""Staff side of the portal: check a PDF or a hash against the tenant's signed documents, and email a
contact their link to open and follow tickets."""

from django.urls import path

from portal import views_staff

app_name = "contract_verify"

urlpatterns = [
    path("", views_staff.VerifyView.as_view(), name="verify"),
    path(
        "contacts/<int:pk>/send-tickets-link/",
        views_staff.SendTicketsLinkView.as_view(),
        name="send_tickets_link",
    ),
]
