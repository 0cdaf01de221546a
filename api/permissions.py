from rest_framework import permissions

from api.models import Scope


class TenantAccess(permissions.BasePermission):
    """API keys need the ``read`` scope for reads and ``write`` for changes; staff need their role's
    permission (``view_permission`` / ``manage_permission`` on the view). A view's ``read_only_actions``
    count as reads."""

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
            self.message = f"This API key lacks the '{'read' if safe else 'write'}' scope."
            return key.allows(Scope.READ if safe else Scope.WRITE)
        membership = getattr(request._request, "membership", None)
        if membership is None:
            self.message = "You are not on the staff of any company."
            return False
        permission = view.view_permission if safe else view.manage_permission
        self.message = f"Your role ({membership.get_role_display()}) cannot do this."
        return membership.can(permission)
