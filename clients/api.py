from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from api.viewsets import TenantModelViewSet, through_service
from clients import services
from clients.models import Client, Contact, Site


@extend_schema_field(OpenApiTypes.INT)
class ActiveClientField(serializers.PrimaryKeyRelatedField):
    """A client of the caller's tenant, by id (another tenant's id reads as 'does not exist')."""

    def get_queryset(self):
        clients = Client.objects.filter(archived_at__isnull=True)
        instance = getattr(self.parent, "instance", None)
        if instance is not None:  # a contact or site of a since-archived client may still be replaced
            clients = clients | Client.objects.filter(pk=instance.client_id)
        return clients


class ClientSerializer(serializers.ModelSerializer):
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "managed_endpoints",
            "notes",
            "archived",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "archived", "created_at", "updated_at"]

    def create(self, validated_data):
        return through_service(services.create_client, **validated_data)

    def update(self, instance, validated_data):
        return through_service(services.update_client, instance, **validated_data)


class ContactSerializer(serializers.ModelSerializer):
    client = ActiveClientField()
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id", "client", "full_name", "email", "phone", "job_title", "is_primary", "can_sign",
            "archived", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "archived", "created_at", "updated_at"]

    def validate(self, attrs):
        if self.instance and "client" in attrs and attrs["client"].pk != self.instance.client_id:
            raise serializers.ValidationError({"client": "A contact cannot move to another client."})
        return attrs

    def create(self, validated_data):
        return through_service(services.create_contact, **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("client", None)
        return through_service(services.update_contact, instance, **validated_data)


class SiteSerializer(serializers.ModelSerializer):
    client = ActiveClientField()
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Site
        fields = [
            "id", "client", "name", "address_line1", "address_line2", "city", "region", "postal_code",
            "country", "timezone", "travel_minutes", "service_area", "archived", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "archived", "created_at", "updated_at"]

    def validate(self, attrs):
        if self.instance and "client" in attrs and attrs["client"].pk != self.instance.client_id:
            raise serializers.ValidationError({"client": "A site cannot move to another client."})
        return attrs

    def create(self, validated_data):
        return through_service(services.create_site, **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("client", None)
        return through_service(services.update_site, instance, **validated_data)


class ClientFilter(filters.FilterSet):
    archived = filters.BooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Client
        fields = []  # all declared above: django-filter's field lookup would query without a tenant


class ContactFilter(filters.FilterSet):
    client = filters.NumberFilter(field_name="client_id")
    archived = filters.BooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)
    can_sign = filters.BooleanFilter()
    email = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Contact
        fields = []


class SiteFilter(filters.FilterSet):
    client = filters.NumberFilter(field_name="client_id")
    archived = filters.BooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Site
        fields = []


_ARCHIVE = (
    "Archives the {0}: the row is kept and still returned, with `archived: true`. Lists show active and "
    "archived rows alike; filter with `archived=false` (active only) or `archived=true`."
)
_LIST = "Active and archived {0} alike, newest first, in cursor pages (`page_size` up to 200). Filters: {1}."


@extend_schema_view(
    list=extend_schema(
        summary="List clients",
        description=_LIST.format(
            "clients", "`archived`, `name` (contains); `search` over name, email and phone"
        ),
    ),
    retrieve=extend_schema(summary="Get a client"),
    create=extend_schema(summary="Create a client"),
    update=extend_schema(summary="Replace a client"),
    partial_update=extend_schema(summary="Update a client"),
    destroy=extend_schema(summary="Archive a client", description=_ARCHIVE.format("client")),
)
class ClientViewSet(TenantModelViewSet):
    model = Client
    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    search_fields = ["name", "email", "phone"]

    def perform_destroy(self, instance):
        services.archive_client(instance)


class ArchivingDestroyMixin:
    def destroy(self, request, *args, **kwargs):
        services.set_archived(self.get_object(), archived=True)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List contacts",
        description=_LIST.format(
            "contacts", "`client`, `archived`, `can_sign`, `email`; `search` over name, email and phone"
        ),
    ),
    retrieve=extend_schema(summary="Get a contact"),
    create=extend_schema(summary="Add a contact to a client"),
    update=extend_schema(summary="Replace a contact"),
    partial_update=extend_schema(summary="Update a contact"),
    destroy=extend_schema(summary="Archive a contact", description=_ARCHIVE.format("contact")),
)
class ContactViewSet(ArchivingDestroyMixin, TenantModelViewSet):
    model = Contact
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    search_fields = ["full_name", "email", "phone"]


@extend_schema_view(
    list=extend_schema(
        summary="List sites",
        description=_LIST.format("sites", "`client`, `archived`; `search` over name, city and postal code"),
    ),
    retrieve=extend_schema(summary="Get a site"),
    create=extend_schema(summary="Add a site to a client"),
    update=extend_schema(summary="Replace a site"),
    partial_update=extend_schema(summary="Update a site"),
    destroy=extend_schema(summary="Archive a site", description=_ARCHIVE.format("site")),
)
class SiteViewSet(ArchivingDestroyMixin, TenantModelViewSet):
    model = Site
    serializer_class = SiteSerializer
    filterset_class = SiteFilter
    search_fields = ["name", "city", "postal_code"]
