from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError


class TenantModelViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Base of the partner API's resources: the tenant's rows only (scoped queryset + RLS).

    ``model`` names the resource; ``view_permission`` / ``manage_permission`` are the staff
    permissions for reads and writes (API keys use their scopes instead).
    """

    model = None
    view_permission = "clients.view"
    manage_permission = "clients.manage"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs with no tenant
            return self.model._base_manager.none()
        return self.model.objects.all()


def raise_as_drf(error: DjangoValidationError):
    """Model validation errors from a service, reported in the API's one error format."""
    if hasattr(error, "error_dict"):
        raise ValidationError(serializers.as_serializer_error(error))
    raise ValidationError({"non_field_errors": error.messages})
