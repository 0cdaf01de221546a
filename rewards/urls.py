from django.urls import path

from rewards import views, views_utilization
from rewards import views_anniversaries as anniversaries
from rewards import views_customer_of_the_month as cotm
from rewards import views_referrals as referrals

app_name = "rewards"

urlpatterns = [
    path("", views.RewardsOverviewView.as_view(), name="index"),
    path("cost.json", views.RewardsCostJsonView.as_view(), name="cost_json"),
    path("clients/<int:pk>/", views.ClientRewardsView.as_view(), name="client"),
    path("clients/<int:pk>/grant/", views.GrantRewardView.as_view(), name="grant"),
    path("<int:pk>/deliver/", views.MarkDeliveredView.as_view(), name="deliver"),
    path("<int:pk>/withdraw/", views.WithdrawRewardView.as_view(), name="withdraw"),
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
    path(
        "programs/utilization/",
        views_utilization.UtilizationProgramView.as_view(),
        name="utilization_program",
    ),
    # Referrals (rewards/views_referrals.py)
    path("referrals/", referrals.ReferralsView.as_view(), name="referrals"),
    path("referrals/new/", referrals.ReferralCreateView.as_view(), name="referral_new"),
    path("referrals/settings/", referrals.ProgramSettingsView.as_view(), name="referral_settings"),
    path("referrals/<int:pk>/", referrals.ReferralDetailView.as_view(), name="referral_detail"),
    path(
        "referrals/<int:pk>/contacted/", referrals.ReferralContactedView.as_view(), name="referral_contacted"
    ),
    path("referrals/<int:pk>/link/", referrals.ReferralLinkView.as_view(), name="referral_link"),
    path(
        "referrals/<int:pk>/new-client/", referrals.ReferralCreateClientView.as_view(), name="referral_client"
    ),
    path("referrals/<int:pk>/lost/", referrals.ReferralLostView.as_view(), name="referral_lost"),
    path("referrals/prospects/new/", referrals.ProspectCreateView.as_view(), name="prospect_new"),
    path("referrals/prospects/<int:pk>/", referrals.ProspectEditView.as_view(), name="prospect_detail"),
    path("referrals/introductions/new/", referrals.IntroductionCreateView.as_view(), name="introduction_new"),
    path(
        "referrals/introductions/<int:pk>/",
        referrals.IntroductionDetailView.as_view(),
        name="introduction_detail",
    ),
    path(
        "referrals/clients/<int:client_pk>/profile/",
        referrals.ProfileEditView.as_view(),
        name="referral_profile",
    ),
]
