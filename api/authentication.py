from django.utils.functional import cached_property
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.scopes import describe_for_docs as describe_scopes
from api.throttles import throttle_failed_key


class ApiKeyPrincipal:
    """The ``request.user`` of a request made with an API key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def __init__(self, key):
        self.key = key

    @cached_property
    def pk(self):
        return None

    def __str__(self):
        return f"API key {self.key}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>``. The key was checked by ApiKeyMiddleware and its tenant entered by
    TenantMiddleware."""

    def authenticate(self, request):
        django_request = request._request
        if getattr(django_request, "api_key", None) is not None:
            return ApiKeyPrincipal(django_request.api_key), django_request.api_key
        if getattr(django_request, "api_key_error", None):
            throttle_failed_key(django_request)  # guessing keys is counted per IP
            raise exceptions.AuthenticationFailed(django_request.api_key_error)
        return None

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class StaffSessionAuthentication(authentication.SessionAuthentication):
    """A signed-in staff member's browser session, with CSRF checks on writes."""


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An Accord API key: `acc_<prefix>_<secret>`. Every key has an owner on the staff and may "
                "have an expiry; an expired key, a revoked one, or one whose owner has left the team gets "
                "401.\n\n" + describe_scopes()
            ),
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.StaffSessionAuthentication"
    name = "StaffSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
