"""The partner API of contract templates and their versions: read only.

Versions are written from the staff pages (contracts.versions), and a published version never changes,
so these resources answer GET only: PUT, PATCH, DELETE and POST are a 405 in the API's one error
format. Querysets are built per request (django-scopes refuses them at import time).
"""

from django.db.models import OuterRef, Subquery
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets

from api.viewsets import TenantScopedViewMixin
from contracts import documents, versions
from contracts.coverage import CATEGORIES, WorkType
from contracts.models import ContractTemplate, ContractVersion, TemplateKind, VersionStatus

VIEW, MANAGE = "contracts.view", "contracts.manage"


class TenantReadOnlyViewSet(
    TenantScopedViewMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    # The tenant's rows only, GET list and GET one (a comment: a docstring would become API docs).

    view_permission, manage_permission = VIEW, MANAGE


# --- Serializers ----------------------------------------------------------------------------------


class CoverageRuleSerializer(serializers.Serializer):
    category = serializers.ChoiceField(
        choices=[("", "Any category"), *[(c, f"{c.title()} work") for c in CATEGORIES]],
        help_text="`hardware`, `software`, or empty for any category.",
    )
    work_type = serializers.ChoiceField(
        choices=[("", "Any work type"), *WorkType.CHOICES],
        help_text="A work type, or empty for any work type.",
    )
    area = serializers.ChoiceField(
        choices=[
            ("", "Anywhere"),
            ("inside", "Inside the service area"),
            ("outside", "Outside the service area"),
        ],
        required=False,
        help_text="`inside` or `outside` the company's service area (for the site of the work), or empty for "
        "anywhere: e.g. travel inside the service area covered.",
    )
    covered = serializers.BooleanField(help_text="True: covered by the agreement; false: billable.")
    note = serializers.CharField(allow_blank=True, required=False)


class TocEntrySerializer(serializers.Serializer):
    level = serializers.IntegerField(help_text="2 for the document's sections, 3 and deeper within them.")
    id = serializers.CharField(help_text="The id of the heading in `html` (link with `#id`).")
    title = serializers.CharField()


class RenderedDocumentSerializer(serializers.Serializer):
    title = serializers.CharField()
    html = serializers.CharField(help_text="Sanitised HTML of the whole document, as clients see it.")
    sha256 = serializers.CharField(help_text="SHA-256 (hex) of `html` encoded as UTF-8.")
    toc = TocEntrySerializer(many=True)


class ContractTemplateSerializer(serializers.ModelSerializer):
    # A plain string in the schema: "kind" already names the SLA policies' choices, and two choice sets
    # under one property name in several components is a schema warning.
    kind = serializers.CharField(
        read_only=True,
        help_text="`service_contract` (terms of service + SLA, signed by every client) or `supplement` "
        "(an amendment to a signed service contract).",
    )
    current_version = serializers.IntegerField(
        source="current_version_id",
        allow_null=True,
        read_only=True,
        help_text="Id of the published version clients are asked to sign now (null: none yet).",
    )
    current_version_number = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = ContractTemplate
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "current_version",
            "current_version_number",
            "created_at",
        ]
        read_only_fields = fields


class ContractVersionSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=VersionStatus.choices, read_only=True)
    coverage = CoverageRuleSerializer(many=True, read_only=True)
    document = serializers.SerializerMethodField(
        help_text="The rendered document for a sample client with `?render=1` (else null)."
    )

    class Meta:
        model = ContractVersion
        fields = [
            "id", "template", "number", "status", "title", "terms_markdown", "sla_markdown", "coverage",
            "hourly_rate_remote", "hourly_rate_onsite", "after_hours_multiplier", "billing_terms",
            "term_months", "auto_renew", "notice_days", "created_at", "published_at", "document",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(RenderedDocumentSerializer(allow_null=True))
    def get_document(self, version):
        options = self.context.get("render")
        if not options:
            return None
        rendered = documents.render_version(
            version, tier=options["tier"], riders=options["riders"], tenant=options["tenant"]
        )
        return RenderedDocumentSerializer(
            {"title": rendered.title, "html": rendered.html, "sha256": rendered.sha256, "toc": rendered.toc}
        ).data


# --- Filters --------------------------------------------------------------------------------------


class ContractTemplateFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=TemplateKind.choices)
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = ContractTemplate
        fields = []  # all declared above: django-filter's field lookup would query without a tenant


class ContractVersionFilter(filters.FilterSet):
    template = filters.NumberFilter(field_name="template_id", label="Template id")
    status = filters.ChoiceFilter(choices=VersionStatus.choices)

    class Meta:
        model = ContractVersion
        fields = []


# --- Views ----------------------------------------------------------------------------------------

_PAGES = "Cursor pages, newest first (`page_size` up to 200)."
_READ_ONLY = (
    " Read only: templates and versions are written on the staff pages, and a published version never "
    "changes, so PUT, PATCH, DELETE and POST answer 405."
)
RENDER_PARAMETERS = [
    OpenApiParameter(
        "render",
        OpenApiTypes.BOOL,
        description="`1` to include `document`: the version rendered for a sample client.",
    ),
    OpenApiParameter(
        "tier", OpenApiTypes.STR, description="With `render`: the membership tier key for the SLA table."
    ),
    OpenApiParameter(
        "riders",
        OpenApiTypes.STR,
        description="With `render`: rider keys for the SLA table, comma-separated.",
    ),
]
VERSION_EXAMPLE = {
    "id": 7,
    "template": 3,
    "number": 2,
    "status": "published",
    "title": "Service Agreement",
    "terms_markdown": "This agreement is between {{ tenant_name }} and {{ client_name }}.\n\n# Scope\n…",
    "sla_markdown": "{{ sla_table }}",
    "coverage": [
        {"category": "", "work_type": "remote_support", "covered": True, "note": "24/7 triage"},
        {"category": "", "work_type": "installation", "covered": False, "note": "Quoted separately"},
    ],
    "hourly_rate_remote": "120.00",
    "hourly_rate_onsite": "165.00",
    "after_hours_multiplier": "1.50",
    "billing_terms": "Invoiced monthly, due within 15 days.",
    "term_months": 12,
    "auto_renew": True,
    "notice_days": 30,
    "created_at": "2026-03-02T09:15:00-05:00",
    "published_at": "2026-03-04T16:40:00-05:00",
    "document": None,
}


@extend_schema_view(
    list=extend_schema(
        summary="List contract templates",
        description=f"The tenant's contract templates with their current published version. {_PAGES} "
        f"Filters: `kind`, `name` (contains); `search` over the name.{_READ_ONLY}",
    ),
    retrieve=extend_schema(
        summary="Get a contract template",
        examples=[
            OpenApiExample(
                "The service agreement",
                response_only=True,
                value={
                    "id": 3,
                    "name": "Service Agreement",
                    "kind": "service_contract",
                    "description": "Terms of service and SLA for every client.",
                    "current_version": 7,
                    "current_version_number": 2,
                    "created_at": "2026-03-01T10:00:00-05:00",
                },
            )
        ],
    ),
)
class ContractTemplateViewSet(TenantReadOnlyViewSet):
    model = ContractTemplate
    serializer_class = ContractTemplateSerializer
    filterset_class = ContractTemplateFilter
    search_fields = ["name"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        current = versions.published_versions_of(OuterRef("pk"))
        return queryset.annotate(
            current_version_id=Subquery(current.values("pk")[:1]),
            current_version_number=Subquery(current.values("number")[:1]),
        )


@extend_schema_view(
    list=extend_schema(
        summary="List contract versions",
        description=f"Versions of every template, drafts and published. {_PAGES} Filters: `template` (id), "
        f"`status` (`draft`, `published`); `search` over the title. With `render=1` each version "
        f"includes its rendered document.{_READ_ONLY}",
        parameters=RENDER_PARAMETERS,
    ),
    retrieve=extend_schema(
        summary="Get a contract version",
        description="Its Markdown, coverage rules, rates and terms; with `render=1`, also the document as "
        "a client reads it (a sample client; `tier` and `riders` choose the SLA table) and its SHA-256.",
        parameters=RENDER_PARAMETERS,
        examples=[OpenApiExample("A published version", response_only=True, value=VERSION_EXAMPLE)],
    ),
)
class ContractVersionViewSet(TenantReadOnlyViewSet):
    model = ContractVersion
    serializer_class = ContractVersionSerializer
    filterset_class = ContractVersionFilter
    search_fields = ["title"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return queryset.select_related("template")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        request = self.request
        if request is not None and request.query_params.get("render", "").lower() in ("1", "true", "yes"):
            riders = request.query_params.get("riders", "")
            context["render"] = {
                "tier": request.query_params.get("tier", "").strip(),
                "riders": tuple(key.strip() for key in riders.split(",") if key.strip()),
                "tenant": request.tenant,
            }
        return context
