from rest_framework import permissions

from api.scopes import READ, WRITE, needed_scope, resource_of_view


class TenantAccess(permissions.BasePermission):
    """API keys need a scope for the view's resource (``tickets:read``, ``tickets:write``...) or the broad
    ``read`` / ``write`` (see ``api.scopes``); staff need their role's permission (``view_permission`` /
    ``manage_permission`` on the view). A view's ``read_only_actions`` count as reads."""

    message = "Your key or role does not allow this."

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        # A view's ``read_only_actions`` (e.g. a POST that previews) change nothing: reads may call them.
        safe = request.method in permissions.SAFE_METHODS or getattr(view, "action", None) in getattr(
            view, "read_only_actions", ()
        )
        key = getattr(request._request, "api_key", None)
        if key is not None:
            access = READ if safe else WRITE
            resource = resource_of_view(view)
            self.message = (
                f"This API key lacks the '{needed_scope(resource, access)}' scope "
                f"(or the '{access}' scope, for every resource)."
                if resource
                else f"This API key lacks the '{access}' scope."
            )
            return key.allows(resource, access)
        membership = getattr(request._request, "membership", None)
        if membership is None:
            self.message = "You are not on the staff of any company."
            return False
        permission = view.view_permission if safe else view.manage_permission
        self.message = f"Your role ({membership.get_role_display()}) cannot do this."
        return membership.can(permission)
