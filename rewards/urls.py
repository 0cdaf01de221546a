from django.urls import path

from rewards import views_anniversaries as anniversaries
from rewards import views_customer_of_the_month as cotm
from rewards import views_utilization

app_name = "rewards"

urlpatterns = [
    path("customer-of-the-month/", cotm.CustomerOfTheMonthView.as_view(), name="customer_of_the_month"),
    path("customer-of-the-month/<int:pk>/vote/", cotm.VoteView.as_view(), name="vote"),
    path(
        "customer-of-the-month/spotlight/<int:pk>/", cotm.SpotlightDraftView.as_view(), name="spotlight_draft"
    ),
    path("anniversaries/", anniversaries.AnniversariesView.as_view(), name="anniversaries"),
    path(
        "anniversaries/clients/<int:pk>/",
        anniversaries.RelationshipStartView.as_view(),
        name="relationship_start",
    ),
    path("gifts/<int:pk>/delivered/", anniversaries.GiftDeliveredView.as_view(), name="gift_delivered"),
    path(
        "programs/utilization/",
        views_utilization.UtilizationProgramView.as_view(),
        name="utilization_program",
    ),
]
