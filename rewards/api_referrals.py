"""The partner API of referrals: list and read the referrals clients made, record one (a client called
with a name), move one along (contacted, lost, linked to the client it became), and the referral program's
settings. Thin: validate, call rewards.referrals, serialize."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from api.viewsets import TenantScopedViewMixin, request_actor, through_service
from clients.models import Client
from rewards import referrals
from rewards.models import MONEY, Referral, ReferralProgram, ReferralStatus

VIEW, NOMINATE, MANAGE = "rewards.view", "rewards.nominate", "rewards.manage"


@extend_schema_field(OpenApiTypes.INT)
class ClientField(serializers.PrimaryKeyRelatedField):
    """A client of the caller's tenant, by id (another tenant's id reads as 'does not exist')."""

    def get_queryset(self):
        return Client.objects.all()


class ReferralSerializer(serializers.ModelSerializer):
    referrer_name = serializers.CharField(source="referrer.name", read_only=True)
    status = serializers.ChoiceField(choices=ReferralStatus.choices, read_only=True)
    credit = serializers.DecimalField(
        **MONEY,
        source="reward.value",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="What the referrer was credited; null until the referral signs.",
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "referrer",
            "referrer_name",
            "name",
            "company",
            "email",
            "phone",
            "note",
            "status",
            "duplicate_of",
            "client",
            "source",
            "recorded_by",
            "referred_on",
            "contacted_on",
            "signed_on",
            "lost_on",
            "lost_reason",
            "credit",
            "reward",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "duplicate_of": {
                "help_text": "For a duplicate: the first referral of this person, which counts."
            },
            "client": {"help_text": "The client the referred person became."},
            "reward": {"help_text": "The referrer's reward (see /api/v1/rewards/)."},
        }


class ReferralCreateSerializer(serializers.Serializer):
    referrer = ClientField(help_text="The client who referred them.")
    name = serializers.CharField(max_length=160)
    company = serializers.CharField(max_length=160, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReferralUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[ReferralStatus.CONTACTED, ReferralStatus.LOST],
        required=False,
        help_text="`contacted`, or `lost` (with `lost_reason`). A referral signs by itself when the client "
        "it became signs an agreement.",
    )
    lost_reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    client = ClientField(required=False, help_text="The client the referred person became.")

    def validate(self, data):
        if "status" not in data and "client" not in data:
            raise serializers.ValidationError("Give a `status` or a `client`.")
        return data


class ReferralFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=ReferralStatus.choices, distinct=False)
    referrer = filters.NumberFilter(field_name="referrer_id")
    client = filters.NumberFilter(field_name="client_id")

    class Meta:
        model = Referral
        fields = []  # declared above: django-filter's own lookups would query without a tenant


REFERRAL_EXAMPLE = {
    "id": 12,
    "referrer": 4,
    "referrer_name": "Harbor Dental",
    "name": "Maya Chen",
    "company": "Chen Orthodontics",
    "email": "maya@chen-ortho.example",
    "phone": "",
    "note": "Opening a second office in spring.",
    "status": "signed",
    "duplicate_of": None,
    "client": 31,
    "source": "portal",
    "recorded_by": "Dana Whitaker <dana@harbor.example> (client contact)",
    "referred_on": "2026-09-14",
    "contacted_on": "2026-09-15",
    "signed_on": "2026-10-02",
    "lost_on": None,
    "lost_reason": "",
    "credit": "250.00",
    "reward": 77,
}


@extend_schema_view(
    list=extend_schema(
        summary="List referrals",
        description="People clients referred, newest first, in cursor pages. Filters: `status` (repeatable), "
        "`referrer`, `client`; `search` over name, company and email.",
    ),
    retrieve=extend_schema(
        summary="Get a referral",
        examples=[OpenApiExample("A signed referral", response_only=True, value=REFERRAL_EXAMPLE)],
    ),
)
class ReferralViewSet(
    TenantScopedViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Referral
    view_permission, manage_permission = VIEW, NOMINATE
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter
    search_fields = ["name", "company", "email"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return super().get_queryset()
        return Referral.objects.select_related("referrer", "reward")

    def _read(self, referral, status_code=status.HTTP_200_OK):
        return Response(ReferralSerializer(self.get_queryset().get(pk=referral.pk)).data, status=status_code)

    @extend_schema(
        summary="Record a referral",
        description="A client referred someone by phone or email (clients refer from their portal too). "
        "Needs "
        "an `email` or a `phone`. The first referral of a person counts: a later one is recorded with status "
        "`duplicate` and earns nothing. A client's own address is refused. Honours `Idempotency-Key`.",
        request=ReferralCreateSerializer,
        responses={201: ReferralSerializer},
        examples=[
            OpenApiExample(
                "A referral",
                request_only=True,
                value={
                    "referrer": 4,
                    "name": "Maya Chen",
                    "company": "Chen Orthodontics",
                    "email": "maya@chen-ortho.example",
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        return self._create(request)

    def _create(self, request):
        data = ReferralCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        referral = through_service(
            referrals.refer_prospect,
            referrer=values["referrer"],
            name=values["name"],
            company=values["company"],
            email=values.get("email", ""),
            phone=values["phone"],
            note=values["note"],
            source="staff",
            actor=request_actor(request),
        )
        return self._read(referral, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a referral along",
        description="Mark it `contacted` or `lost` (with `lost_reason`), or link the `client` the person "
        "became. Linking a client that has already signed an agreement settles the referral at once: it "
        "becomes `signed` and the referrer is credited the program's amount, once.",
        request=ReferralUpdateSerializer,
        responses={200: ReferralSerializer},
        examples=[
            OpenApiExample("Contacted", request_only=True, value={"status": "contacted"}),
            OpenApiExample("Became a client", request_only=True, value={"client": 31}),
            OpenApiExample(
                "Lost", request_only=True, value={"status": "lost", "lost_reason": "Went elsewhere"}
            ),
        ],
    )
    def partial_update(self, request, *args, **kwargs):
        referral = self.get_object()
        data = ReferralUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("status") == ReferralStatus.CONTACTED:
            referral = through_service(referrals.mark_contacted, referral)
        elif values.get("status") == ReferralStatus.LOST:
            referral = through_service(referrals.mark_lost, referral, reason=values["lost_reason"])
        if "client" in values:
            referral = through_service(referrals.link_client, referral, client=values["client"])
        return self._read(referral)


class ReferralProgramSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferralProgram
        fields = ["is_active", "credit_amount", "updated_at"]
        read_only_fields = ["updated_at"]


@extend_schema_view(
    retrieve=extend_schema(
        summary="Get the referral program",
        description="What a referrer is credited when their referral becomes a client and signs.",
    ),
    update=extend_schema(
        summary="Set the referral program",
        description="Applies to referrals that sign from now on; credits already given stay.",
        examples=[
            OpenApiExample(
                "$250 a referral", request_only=True, value={"is_active": True, "credit_amount": "250.00"}
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change the referral program",
        description="Only the fields given change. Applies to referrals that sign from now on.",
        examples=[OpenApiExample("Switch it off", request_only=True, value={"is_active": False})],
    ),
)
class ReferralProgramViewSet(TenantScopedViewMixin, viewsets.GenericViewSet):
    model = ReferralProgram
    view_permission, manage_permission = VIEW, MANAGE
    serializer_class = ReferralProgramSerializer
    pagination_class = None

    def get_object(self):
        # One program per tenant, no id in the URL (OPTIONS describes PUT through this too).
        return referrals.referral_program()

    def retrieve(self, request):
        return Response(ReferralProgramSerializer(self.get_object()).data)

    def update(self, request):
        return self._save(request, partial=False)

    def partial_update(self, request):
        return self._save(request, partial=True)

    def _save(self, request, *, partial):
        current = referrals.referral_program()
        data = ReferralProgramSerializer(current, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        program = through_service(
            referrals.update_referral_program,
            credit_amount=data.validated_data.get("credit_amount", current.credit_amount),
            is_active=data.validated_data.get("is_active", current.is_active),
        )
        return Response(ReferralProgramSerializer(program).data)
