from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from accounts.actors import actor_label
from api.schema import ApiAutoSchema


# What every partner-API resource shares: the tenant's rows only (scoped queryset + RLS), numeric ids,
# the API's schema class. `model` names the resource; `view_permission` / `manage_permission` are the
# staff permissions for reads and writes (API keys use their scopes instead). Comments, not docstrings:
# drf-spectacular would show a docstring to partners as the operation's description.
class TenantScopedViewMixin:
    model = None
    view_permission = "clients.view"
    manage_permission = "clients.manage"
    # Ids are numbers: anything else is no route, so the API's JSON 404 rather than a lookup.
    lookup_value_regex = "[0-9]+"
    schema = ApiAutoSchema()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs with no tenant
            return self.model._base_manager.none()
        return self.model.objects.all()


class TenantModelViewSet(
    TenantScopedViewMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    # A full resource: list, get, create, update and delete. (Idempotency-Key on every POST:
    # api.idempotency.IdempotencyMiddleware.)
    pass


def calling_api_key(request):
    """The API key a request was made with, or None for a signed-in staff member's session."""
    return getattr(request._request, "api_key", None)


def calling_staff_user(request):
    """The signed-in staff member, or None for an API key."""
    return None if calling_api_key(request) is not None else request.user


def request_actor(request) -> str:
    """Who is calling, as history rows record it (``accounts.actors.actor_label``)."""
    key = calling_api_key(request)
    return actor_label(api_key=key) if key is not None else actor_label(request.user)


def through_service(service, *args, **kwargs):
    """Call a service from a DRF view: its model validation errors become the API's 400."""
    try:
        return service(*args, **kwargs)
    except DjangoValidationError as error:
        raise_as_drf(error)


def raise_as_drf(error: DjangoValidationError):
    """Model validation errors from a service, reported in the API's one error format."""
    if hasattr(error, "error_dict"):
        detail = serializers.as_serializer_error(error)
        # Django files errors of the whole object (constraints, clean()) under "__all__"; DRF under
        # "non_field_errors", which is what the error format's `attr` shows.
        if NON_FIELD_ERRORS in detail:
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
        raise ValidationError(detail)
    raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: error.messages})
