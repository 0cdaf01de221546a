from tenants.roles import PERMISSIONS

_BY_TEMPLATE_NAME = {code.replace(".", "_"): code for code in PERMISSIONS}


class _Permissions:
    """`{% if can.clients_manage %}` in templates: the current role's permissions."""

    def __init__(self, membership):
        self._membership = membership

    def __getattr__(self, name):
        code = _BY_TEMPLATE_NAME.get(name)
        if code is None:
            raise AttributeError(name)
        return bool(self._membership and self._membership.can(code))


def tenant(request):
    membership = getattr(request, "membership", None)
    return {
        "current_tenant": getattr(request, "tenant", None),
        "current_membership": membership,
        "user_memberships": getattr(request, "memberships", []),
        "can": _Permissions(membership),
    }
