from django.urls import path

from contracts import views_agreements, views_documents

app_name = "contracts"

urlpatterns = [
    path("templates/", views_documents.TemplateListView.as_view(), name="template_list"),
    path("templates/new/", views_documents.TemplateCreateView.as_view(), name="template_create"),
    path("templates/<int:pk>/", views_documents.TemplateDetailView.as_view(), name="template_detail"),
    path("templates/<int:pk>/edit/", views_documents.TemplateUpdateView.as_view(), name="template_update"),
    path(
        "templates/<int:pk>/compare/", views_documents.TemplateCompareView.as_view(), name="template_compare"
    ),
    path(
        "templates/<int:pk>/versions/new/", views_documents.VersionCreateView.as_view(), name="version_create"
    ),
    path("templates/versions/<int:pk>/", views_documents.VersionDetailView.as_view(), name="version_detail"),
    path(
        "templates/versions/<int:pk>/edit/",
        views_documents.VersionUpdateView.as_view(),
        name="version_update",
    ),
    path(
        "templates/versions/<int:pk>/preview/",
        views_documents.VersionPreviewView.as_view(),
        name="version_preview",
    ),
    path(
        "templates/versions/<int:pk>/publish/",
        views_documents.VersionPublishView.as_view(),
        name="version_publish",
    ),
    # Agreements, signing campaigns and renewals (contracts/views_agreements.py)
    path("agreements/", views_agreements.AgreementListView.as_view(), name="agreement_list"),
    path("agreements/new/", views_agreements.AgreementCreateView.as_view(), name="agreement_create"),
    path("agreements/<int:pk>/", views_agreements.AgreementDetailView.as_view(), name="agreement_detail"),
    path("agreements/<int:pk>/send/", views_agreements.AgreementSendView.as_view(), name="agreement_send"),
    path(
        "agreements/<int:pk>/signers/",
        views_agreements.AgreementSignersView.as_view(),
        name="agreement_signers",
    ),
    path(
        "agreements/<int:pk>/cancel/", views_agreements.AgreementCancelView.as_view(), name="agreement_cancel"
    ),
    path("clients/<int:pk>/send/", views_agreements.ClientContractSendView.as_view(), name="client_send"),
    path("campaigns/", views_agreements.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/new/", views_agreements.CampaignCreateView.as_view(), name="campaign_create"),
    path("campaigns/<int:pk>/", views_agreements.CampaignDetailView.as_view(), name="campaign_detail"),
    path(
        "campaigns/<int:pk>/progress/",
        views_agreements.CampaignProgressView.as_view(),
        name="campaign_progress",
    ),
    path("campaigns/<int:pk>/send/", views_agreements.CampaignSendView.as_view(), name="campaign_send"),
    path(
        "campaigns/<int:pk>/add-clients/",
        views_agreements.CampaignAddClientsView.as_view(),
        name="campaign_add_clients",
    ),
    path("renewals/", views_agreements.RenewalPipelineView.as_view(), name="renewals"),
]
