"""The partner API of agreements, signing campaigns and signatures. Thin: validate, call a service or a
selector, serialize. Writes go through contracts.agreements, contracts.campaigns and contracts.signers."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.flat_rows import LeanRepresentation
from api.viewsets import TenantScopedViewMixin, calling_staff_user, request_actor, through_service
from clients.api import ActiveClientField
from clients.models import Contact
from contracts import agreements, campaigns, signers, versions
from contracts.models import (
    Agreement,
    AgreementEvent,
    AgreementStatus,
    Campaign,
    CampaignStatus,
    Signature,
    Signer,
)
from memberships.models import BillingCycle, Plan, PlanKind
from memberships.selectors import plans_of_agreements
from tenants.localtime import tenant_today

VIEW, MANAGE = "contracts.view", "contracts.manage"
_PAGES = "Newest first, in cursor pages (`page_size` up to 200)."


class ContractsViewSetMixin(TenantScopedViewMixin):
    view_permission, manage_permission = VIEW, MANAGE


@extend_schema_field(OpenApiTypes.INT)
class PublishedVersionField(serializers.PrimaryKeyRelatedField):
    """A published contract version of the caller's tenant, by id."""

    def get_queryset(self):
        return versions.published_versions()


@extend_schema_field(OpenApiTypes.STR)
class OfferedPlanField(serializers.SlugRelatedField):
    """A plan of one kind that is still offered, by key."""

    def __init__(self, *, kind: str, **kwargs):
        self.kind = kind
        super().__init__(**kwargs)

    @classmethod
    def many_init(cls, *args, **kwargs):
        child_kwargs = {key: kwargs[key] for key in ("kind", "slug_field") if key in kwargs}
        list_kwargs = {key: value for key, value in kwargs.items() if key not in ("kind", "slug_field")}
        return serializers.ManyRelatedField(child_relation=cls(**child_kwargs), **list_kwargs)

    def get_queryset(self):
        return Plan.objects.filter(kind=self.kind, archived_at__isnull=True)


@extend_schema_field(OpenApiTypes.INT)
class AgreementField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Agreement.objects.all()


# --- Agreements -----------------------------------------------------------------------------------


class AgreementEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgreementEvent
        fields = ["kind", "from_status", "to_status", "actor", "details", "at"]


class AgreementPlanFields(serializers.Serializer):
    """tier, riders and monthly_fee of an agreement: the membership it offers, else the one it carries."""

    tier = serializers.SerializerMethodField(
        help_text='Key of the tier it offers or carries; "" without one.'
    )
    riders = serializers.SerializerMethodField(help_text="Keys of the riders it offers or carries.")
    monthly_fee = serializers.SerializerMethodField(
        help_text="What the membership it offers or carries brings in a month (an annual price / 12)."
    )

    def _plan(self, obj):
        cache = self.context.setdefault("_plans", {})
        if obj.pk not in cache:
            # A list asks once for its whole page, not once per agreement.
            page = self.root.instance if isinstance(self.root, serializers.ListSerializer) else None
            ids = [agreement.pk for agreement in page] if page is not None else [obj.pk]
            ids = ids if obj.pk in ids else [obj.pk]
            found = plans_of_agreements(ids, on=tenant_today())
            cache.update({pk: found.get(pk) for pk in ids})
        return cache[obj.pk]

    def get_tier(self, obj) -> str:
        plan = self._plan(obj)
        return plan.tier.key if plan and plan.tier else ""

    def get_riders(self, obj) -> list[str]:
        plan = self._plan(obj)
        return [rider.key for rider in plan.riders] if plan else []

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_monthly_fee(self, obj) -> str:
        plan = self._plan(obj)
        return str(plan.monthly_value if plan else Decimal("0.00"))


class AgreementSerializer(LeanRepresentation, AgreementPlanFields, serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    version_title = serializers.CharField(source="version.title", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    is_supplement = serializers.SerializerMethodField()
    in_force = serializers.BooleanField(source="is_in_force", read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id", "client", "client_name", "version", "version_title", "version_number", "parent",
            "renewed_from", "is_supplement", "status", "in_force", "starts_on", "ends_on", "auto_renew",
            "tier", "riders", "monthly_fee", "declined_reason", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_is_supplement(self, obj) -> bool:
        return obj.parent_id is not None


class SignerSerializer(serializers.ModelSerializer):
    contact = serializers.IntegerField(source="contact_id", read_only=True)
    signed_at = serializers.DateTimeField(source="signature.signed_at", read_only=True, default=None)

    class Meta:
        model = Signer
        fields = [
            "contact", "name", "email", "role", "order", "status", "email_code_required",
            "email_verified_at", "invited_at", "signed_at",
        ]  # fmt: skip
        read_only_fields = fields


class AgreementDetailSerializer(AgreementSerializer):
    signers = SignerSerializer(
        many=True, read_only=True,
        help_text="Who must sign, in their order; empty when any contact of the client who may sign "
        "signs it alone.",
    )  # fmt: skip
    history = AgreementEventSerializer(many=True, read_only=True)

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "signers", "history"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class ContactField(serializers.PrimaryKeyRelatedField):
    """A contact (not archived) of the caller's tenant, by id."""

    def get_queryset(self):
        return Contact.objects.filter(archived_at__isnull=True)


class SignerRequestSerializer(serializers.Serializer):
    contact = ContactField(help_text="A contact of the agreement's client with an email address.")
    role = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=signers.ROLE_MAX_LENGTH,
        help_text="What they sign as, e.g. `Owner` or `Finance lead`.",
    )  # fmt: skip
    email_code = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="Confirm their email with a one-time code before signing; null follows the tenant's "
        "rule (on above its monthly-fee threshold).",
    )  # fmt: skip


class SignersFields(serializers.Serializer):
    signers = SignerRequestSerializer(
        many=True, required=False,
        help_text="Who must sign; the agreement is signed once all have. Omit it for the single-signer "
        "rule (any contact of the client who may sign).",
    )  # fmt: skip
    signers_in_order = serializers.BooleanField(
        required=False, default=True, help_text="Each signer is emailed once the ones before have signed."
    )

    def signer_requests(self) -> list:
        return [signers.SignerRequest(**request) for request in self.validated_data.get("signers") or ()]


class SendSerializer(SignersFields):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000,
        help_text="A personal note at the top of the email.",
    )  # fmt: skip


class AgreementCreateSerializer(SignersFields):
    client = ActiveClientField()
    version = PublishedVersionField(help_text="A published contract version.")
    parent = AgreementField(
        required=False, allow_null=True, help_text="For a supplement: the signed agreement it amends."
    )
    starts_on = serializers.DateField(
        required=False, allow_null=True, help_text="Empty: the term starts on the day it is signed."
    )
    tier = OfferedPlanField(
        kind=PlanKind.TIER, slug_field="key", required=False, allow_null=True, source="plan",
        help_text="The key of the membership tier it offers, e.g. `gold` (signing starts or changes it).",
    )  # fmt: skip
    riders = OfferedPlanField(
        kind=PlanKind.RIDER, slug_field="key", many=True, required=False,
        help_text="Keys of the riders it offers, e.g. `premium-response`.",
    )  # fmt: skip
    billing_cycle = serializers.ChoiceField(
        choices=BillingCycle.choices, required=False, default=BillingCycle.MONTHLY
    )
    plan_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True,
        help_text="A negotiated tier price per period; omit for the list price.",
    )  # fmt: skip


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class AgreementFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=AgreementStatus.choices, distinct=False)
    client = filters.NumberFilter(field_name="client_id")
    version = filters.NumberFilter(field_name="version_id")
    in_force = filters.BooleanFilter(method="filter_in_force")
    ends_before = filters.DateFilter(field_name="ends_on", lookup_expr="lte")

    class Meta:
        model = Agreement
        fields = []

    def filter_in_force(self, queryset, name, value):
        condition = Q(status__in=("signed", "active", "expiring"))
        return queryset.filter(condition) if value else queryset.exclude(condition)


AGREEMENT_EXAMPLE = {
    "client": 12,
    "version": 3,
    "tier": "gold",
    "billing_cycle": "monthly",
    "starts_on": None,
}


@extend_schema_view(
    list=extend_schema(
        summary="List agreements",
        description=f"One agreement per client and term. {_PAGES} Filters: `status` (repeatable), `client`, "
        "`version`, `in_force`, `ends_before`; `search` over the client's name.",
    ),
    retrieve=extend_schema(summary="Get an agreement with its history", responses=AgreementDetailSerializer),
    create=extend_schema(
        summary="Create a draft agreement",
        description="A draft on a published version; nothing is sent. Send it for signature from Accord or "
        "with a signing campaign. Honours `Idempotency-Key`.",
        request=AgreementCreateSerializer,
        responses={201: AgreementDetailSerializer},
        examples=[OpenApiExample("A Gold plan", request_only=True, value=AGREEMENT_EXAMPLE)],
    ),
)
class AgreementViewSet(
    ContractsViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Agreement
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter
    search_fields = ["client__name"]

    def get_queryset(self):
        queryset = super().get_queryset().select_related("client", "version")
        if self.action == "list":
            # A row shows the client's name and the version's title and number: not the rest of either (a
            # version's terms are a whole contract).
            own = [field.attname for field in Agreement._meta.concrete_fields]
            queryset = queryset.only(*own, "client__name", "version__title", "version__number")
        return queryset

    def get_serializer_class(self):
        return AgreementDetailSerializer if self.action == "retrieve" else AgreementSerializer

    def create(self, request, *args, **kwargs):
        return self._create(request)

    def _create(self, request):
        data = AgreementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {
            key: value
            for key, value in data.validated_data.items()
            if key not in ("signers", "signers_in_order")
        }
        with transaction.atomic():  # a refused signer list leaves no draft behind
            agreement = through_service(agreements.create_agreement, actor=request_actor(request), **fields)
            if data.validated_data.get("signers"):
                through_service(
                    signers.set_signers, agreement, data.signer_requests(),
                    in_order=data.validated_data["signers_in_order"],
                )  # fmt: skip
        return Response(AgreementDetailSerializer(agreement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Send an agreement for signature",
        description="Emails the signing links: to the named signers in their order (give `signers` to "
        "name them now, replacing any earlier list), else to every contact of the client who may sign, "
        "any one of whom signs it. Sending again restarts the signing. A 400 explains why it cannot be "
        "sent.",
        request=SendSerializer,
        responses={200: AgreementDetailSerializer},
        examples=[
            OpenApiExample(
                "Owner, then finance lead",
                request_only=True,
                value={
                    "signers": [
                        {"contact": 41, "role": "Owner", "email_code": True},
                        {"contact": 42, "role": "Finance lead"},
                    ],
                    "signers_in_order": True,
                },
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        agreement = self.get_object()
        data = SendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            if data.validated_data.get("signers"):
                through_service(
                    signers.set_signers, agreement, data.signer_requests(),
                    in_order=data.validated_data["signers_in_order"],
                )  # fmt: skip
            # A send that delivered nothing is in the history and the signers stay "waiting".
            through_service(
                campaigns.send_agreement_for_signature, agreement, actor=request_actor(request),
                note=data.validated_data["note"],
            )  # fmt: skip
        agreement.refresh_from_db()
        return Response(AgreementDetailSerializer(agreement).data)

    @extend_schema(
        summary="Cancel an agreement",
        description="Cancels an agreement that is not over (its history is kept; signing links stop "
        "working). A 400 explains why an agreement cannot be cancelled.",
        request=CancelSerializer,
        responses={200: AgreementDetailSerializer},
        examples=[OpenApiExample("With a reason", request_only=True, value={"reason": "Client moved away"})],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        agreement = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = through_service(
            agreements.cancel, agreement, actor=request_actor(request), reason=data.validated_data["reason"]
        )
        return Response(AgreementDetailSerializer(agreement).data)


# --- Campaigns ------------------------------------------------------------------------------------


class CampaignCountsSerializer(serializers.Serializer):
    clients = serializers.IntegerField(help_text="Clients asked.")
    emails_sent = serializers.IntegerField()
    queued = serializers.IntegerField(help_text="Clients whose email is still waiting to go out.")
    sent = serializers.IntegerField(help_text="Emailed, not opened yet.")
    opened = serializers.IntegerField(help_text="Opened their link, not signed yet.")
    signed = serializers.IntegerField()
    declined = serializers.IntegerField()
    bounced = serializers.IntegerField(help_text="No email could be delivered.")
    signed_percent = serializers.IntegerField()


class CoverageSerializer(serializers.Serializer):
    clients = serializers.IntegerField(help_text="All active clients.")
    signed = serializers.IntegerField(help_text="Clients with a signed service contract in force today.")
    percent = serializers.IntegerField()


def _counts(progress) -> dict:
    return {
        "clients": progress.clients,
        "emails_sent": progress.emails_sent,
        **progress.counts,
        "signed_percent": progress.signed_percent,
    }


class CampaignSerializer(serializers.ModelSerializer):
    version_title = serializers.CharField(source="version.title", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id", "name", "version", "version_title", "status", "message", "grace_deadline", "reminder_days",
            "created_at", "sent_at", "closed_at", "progress",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(CampaignCountsSerializer)
    def get_progress(self, obj) -> dict:
        return _counts(campaigns.campaign_progress(obj))


class NotReachedSerializer(serializers.Serializer):
    client = serializers.IntegerField(source="client.pk")
    client_name = serializers.CharField(source="client.name")
    reason = serializers.CharField()


class CampaignCreatedSerializer(CampaignSerializer):
    not_reached = serializers.SerializerMethodField(
        help_text="Chosen clients that could not be asked, and why."
    )

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "not_reached"]
        read_only_fields = fields

    @extend_schema_field(NotReachedSerializer(many=True))
    def get_not_reached(self, obj) -> list:
        return NotReachedSerializer(getattr(obj, "not_reached", []), many=True).data


class CampaignCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    version = PublishedVersionField(
        help_text="The published version to sign (a supplement for an amendment)."
    )
    client_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_null=True, default=None,
        help_text="Omit for the default: every active client without a signed service contract (for a "
        "supplement: every client with one).",
    )  # fmt: skip
    grace_deadline = serializers.DateField(
        help_text="After this day, unsigned clients get basic triage only."
    )
    reminder_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=365), required=False, default=list,
        help_text="Days before the deadline to remind those who have not signed.",
    )  # fmt: skip
    message = serializers.CharField(required=False, allow_blank=True, default="")
    send = serializers.BooleanField(default=True, help_text="Send the emails now (default), or keep a draft.")


class CampaignStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=CampaignStatus.choices)
    grace_deadline = serializers.DateField()
    progress = CampaignCountsSerializer()
    coverage = CoverageSerializer()


class CampaignFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=CampaignStatus.choices)

    class Meta:
        model = Campaign
        fields = []  # declared above: django-filter's field lookup would query without a tenant


CAMPAIGN_EXAMPLE = {
    "name": "2026 service agreement",
    "version": 3,
    "grace_deadline": "2026-05-31",
    "reminder_days": [7, 3, 1],
    "message": "We are asking every client to sign our updated terms.",
}


@extend_schema_view(
    list=extend_schema(summary="List signing campaigns", description=f"{_PAGES} Filter: `status`."),
    retrieve=extend_schema(summary="Get a signing campaign with its progress"),
)
class CampaignViewSet(
    ContractsViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Campaign
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter

    def get_queryset(self):
        return super().get_queryset().select_related("version__template")

    @extend_schema(
        summary="Start a signing campaign",
        description="Creates one agreement per chosen client and emails each signer a personal link (unless "
        "`send` is false). Clients without a signer are reported in `not_reached`, not silently skipped. "
        "Honours `Idempotency-Key`.",
        request=CampaignCreateSerializer,
        responses={201: CampaignCreatedSerializer},
        examples=[OpenApiExample("Everyone who has not signed", request_only=True, value=CAMPAIGN_EXAMPLE)],
    )
    def create(self, request, *args, **kwargs):
        return self._create(request)

    def _create(self, request):
        data = CampaignCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        send = values.pop("send")
        actor = request_actor(request)
        campaign = through_service(
            campaigns.open_signature_campaign, created_by=calling_staff_user(request), actor=actor, **values
        )
        if send and campaign.recipients.exists():
            campaigns.send_campaign(campaign, actor=actor)
            campaign.refresh_from_db()
        return Response(CampaignCreatedSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Get a campaign's status",
        description="Counts of the clients asked by state (each client counted once, at its furthest "
        "signer) and the tenant's coverage: the share of all clients with a signed contract.",
        responses={200: CampaignStatusSerializer},
    )
    @action(detail=True, methods=["get"], url_path="status")
    def status_counts(self, request, pk=None):
        campaign = self.get_object()
        coverage = campaigns.coverage()
        body = {
            "id": campaign.pk,
            "status": campaign.status,
            "grace_deadline": campaign.grace_deadline,
            "progress": _counts(campaigns.campaign_progress(campaign)),
            "coverage": {"clients": coverage.clients, "signed": coverage.signed, "percent": coverage.percent},
        }
        return Response(CampaignStatusSerializer(body).data)


# --- Signatures -----------------------------------------------------------------------------------


class SignatureState:
    CHOICES = [("viewed", "Viewed, not signed"), ("signed", "Signed"), ("declined", "Declined")]


class SignatureSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()
    has_pdf = serializers.SerializerMethodField()

    class Meta:
        model = Signature
        fields = [
            "id", "agreement", "contact", "signer_name", "signer_email", "state", "sent_at",
            "first_viewed_at", "signed_at", "declined_at", "decline_reason", "document_sha256", "pdf_sha256",
            "has_pdf",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=SignatureState.CHOICES))
    def get_state(self, obj) -> str:
        if obj.signed_at:
            return "signed"
        return "declined" if obj.declined_at else "viewed"

    def get_has_pdf(self, obj) -> bool:
        return bool(obj.pdf_sha256)


class SignatureFilter(filters.FilterSet):
    agreement = filters.NumberFilter(field_name="agreement_id")
    client = filters.NumberFilter(field_name="agreement__client_id")
    state = filters.ChoiceFilter(choices=SignatureState.CHOICES, method="filter_state")

    class Meta:
        model = Signature
        fields = []

    def filter_state(self, queryset, name, value):
        if value == "signed":
            return queryset.filter(signed_at__isnull=False)
        if value == "declined":
            return queryset.filter(declined_at__isnull=False)
        return queryset.filter(signed_at__isnull=True, declined_at__isnull=True)


@extend_schema_view(
    list=extend_schema(
        summary="List signatures",
        description="Who opened, signed or declined which agreement, with the SHA-256 of exactly the "
        f"document shown. {_PAGES} Filters: `agreement`, `client`, `state`.",
    ),
    retrieve=extend_schema(summary="Get a signature"),
)
class SignatureViewSet(
    ContractsViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Signature
    serializer_class = SignatureSerializer
    filterset_class = SignatureFilter

    def get_queryset(self):
        return super().get_queryset().defer("pdf", "document_html")
