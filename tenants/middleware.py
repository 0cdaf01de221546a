from django.db import transaction

from tenants.scope import tenant_scope
from tenants.selectors import active_membership, memberships_for_user

SESSION_TENANT_KEY = "tenant_id"


class TenantMiddleware:
    """Runs each request inside the tenant it belongs to.

    The tenant comes from the API key (``Authorization: Bearer``) or the staff session, never from a
    parameter the caller can change. Requests with no tenant run unscoped: tenant-owned querysets then
    raise and PostgreSQL shows no rows. Portal links (later issues) enter their tenant in the view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from api.keys import authenticate_bearer

        request.tenant = None
        request.membership = None
        request.memberships = []
        request.api_key = None
        request.api_key_error = None

        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        if request.path.startswith("/api/") and scheme.lower() == "bearer":
            request.api_key, request.api_key_error = authenticate_bearer(credentials)
            if request.api_key:
                request.tenant = request.api_key.tenant
        elif request.user.is_authenticated:
            request.memberships = memberships_for_user(request.user)
            request.membership = active_membership(
                request.memberships, request.session.get(SESSION_TENANT_KEY)
            )
            if request.membership:
                request.tenant = request.membership.tenant

        if request.tenant is None:
            return self.get_response(request)
        with tenant_scope(request.tenant):
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
            return response
