"""The partner API's router: every app's endpoints under /api/v1/ (namespace "api").

It lives in config, above the apps, because it lists all of them; the API's shared base classes (keys,
authentication, viewsets, permissions, idempotency, errors) live low, in ``api``, so each app can use them.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from api import errors
from api.docs import ApiDocsView
from billing.api import CreditNoteViewSet, InvoiceViewSet, PaymentViewSet
from billing.api_disputes import DisputeViewSet
from billing.api_subscriptions import SubscriptionViewSet
from clients.api import ClientViewSet, ContactViewSet, SiteViewSet
from contracts.api import ContractTemplateViewSet, ContractVersionViewSet
from contracts.api_agreements import AgreementViewSet, CampaignViewSet, SignatureViewSet
from imports.api import ImportJobViewSet
from memberships.api import PlanViewSet
from reports.api import BreachReportViewSet, SlaComplianceReportViewSet, UtilizationReportViewSet
from reports.api_profitability import ProfitabilityReportViewSet
from reports.api_revenue import MrrReportViewSet
from rewards.api import RewardViewSet
from rewards.api_anniversaries import AnniversaryStepViewSet
from rewards.api_best_practices import BestPracticesProgramView
from rewards.api_referrals import ReferralProgramViewSet, ReferralViewSet
from rewards.api_utilization import UtilizationProgramView
from service_levels.api import (
    CalendarViewSet,
    ClosureViewSet,
    EffectiveSlaViewSet,
    IssueTypeViewSet,
    PolicyViewSet,
    PriorityMatrixViewSet,
)
from tickets.api import ReplyViewSet, SlaClockViewSet, TicketViewSet, TimeEntryViewSet
from webhooks.api import WebhookDeliveryViewSet, WebhookEndpointViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("clients", ClientViewSet, basename="client")
router.register("contacts", ContactViewSet, basename="contact")
router.register("sites", SiteViewSet, basename="site")
router.register("calendars", CalendarViewSet, basename="calendar")
router.register("closures", ClosureViewSet, basename="closure")
router.register("sla-policies", PolicyViewSet, basename="sla-policy")
router.register("priority-matrix", PriorityMatrixViewSet, basename="priority-matrix")
router.register("issue-types", IssueTypeViewSet, basename="issue-type")
router.register("effective-sla", EffectiveSlaViewSet, basename="effective-sla")
router.register("contract-templates", ContractTemplateViewSet, basename="contract-template")
router.register("contract-versions", ContractVersionViewSet, basename="contract-version")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("signatures", SignatureViewSet, basename="signature")
router.register("plans", PlanViewSet, basename="plan")
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("replies", ReplyViewSet, basename="reply")
router.register("time-entries", TimeEntryViewSet, basename="time-entry")
router.register("sla-clocks", SlaClockViewSet, basename="sla-clock")
router.register("reports/sla-compliance", SlaComplianceReportViewSet, basename="report-sla-compliance")
router.register("reports/breaches", BreachReportViewSet, basename="report-breaches")
router.register("reports/utilization", UtilizationReportViewSet, basename="report-utilization")
router.register("reports/mrr", MrrReportViewSet, basename="report-mrr")
router.register("reports/profitability", ProfitabilityReportViewSet, basename="report-profitability")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("credit-notes", CreditNoteViewSet, basename="credit-note")
router.register("payments", PaymentViewSet, basename="payment")
router.register("disputes", DisputeViewSet, basename="dispute")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("rewards", RewardViewSet, basename="reward")
router.register(
    "reward-programs/anniversaries", AnniversaryStepViewSet, basename="reward-program-anniversary"
)
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("imports", ImportJobViewSet, basename="import")

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    path(
        "reward-programs/utilization/",
        UtilizationProgramView.as_view(),
        name="reward-program-utilization",
    ),
    path(
        "reward-programs/best-practices/",
        BestPracticesProgramView.as_view(),
        name="reward-program-best-practices",
    ),
    path(
        "reward-programs/referrals/",
        ReferralProgramViewSet.as_view({"get": "retrieve", "put": "update", "patch": "partial_update"}),
        name="reward-program-referrals",
    ),
    path("", include(router.urls)),
    re_path(r"", errors.no_route),  # last: JSON 404 for the rest, and no APPEND_SLASH redirect
]
