from django.db import transaction

from tenants.scope import tenant_scope
from tenants.selectors import active_membership, memberships_for_user

SESSION_TENANT_KEY = "tenant_id"


class TenantMiddleware:
    """Runs each request inside the tenant it belongs to.

    The tenant comes from the API key or the staff session, never from a parameter the caller can change.
    The key was already resolved by ``api.middleware.ApiKeyMiddleware`` (listed before this one; the API
    app sits above tenants, so it resolves its keys itself): a request that presented a bearer key gets
    that key's tenant, or none when the key opens nothing, and never the session's. Requests with no
    tenant run unscoped: tenant-owned querysets then raise and PostgreSQL shows no rows. Portal links
    enter their tenant in the view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        request.membership = None
        request.memberships = []

        if getattr(request, "api_key", None) is not None:
            request.tenant = request.api_key.tenant
        elif getattr(request, "api_key_error", None):
            pass  # a bearer key that opens nothing: no tenant, and never the session's
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
