"""What an API key may do: scopes per resource area, plus the broad ``read`` / ``write`` of old keys.

A scope reads ``<resource>:<access>`` (``tickets:read``, ``billing:write``). ``read`` and ``write`` alone
still mean "every resource", so keys issued before resource scopes (and ``create_api_key --scopes
read,write``) keep working. Reads (GET, and a view's ``read_only_actions``) need ``read``; everything else
needs ``write``, which does not imply ``read``.

A view's resource is its ``api_resource`` attribute, or else the app its module lives in: the API's
resource areas are the apps that publish endpoints. This module names them as strings, so ``api`` stays
below the apps it serves.
"""

from __future__ import annotations

READ = "read"
WRITE = "write"
ACCESSES = (READ, WRITE)

# Resource area -> (the app whose views it covers, what a partner sees in it).
RESOURCES: dict[str, tuple[str, str]] = {
    "clients": ("clients", "Clients, contacts and sites"),
    "service-levels": (
        "service_levels",
        "Business calendars, closures, SLA policies, the priority matrix, issue types, effective SLA",
    ),
    "contracts": ("contracts", "Contract templates and versions, agreements, campaigns, signatures"),
    "memberships": ("memberships", "Membership plans"),
    "billing": ("billing", "Invoices, credit notes, payments, disputes, subscriptions"),
    "tickets": ("tickets", "Tickets, replies, time entries, SLA clocks"),
    "reports": ("reports", "Reports: SLA compliance, breaches, utilization, MRR, profitability"),
    "rewards": ("rewards", "Rewards, referrals and reward programs"),
    "webhooks": ("webhooks", "Webhook endpoints and deliveries"),
    "imports": ("imports", "Imports of clients, contacts, sites and endpoint counts from CSV"),
}
_RESOURCE_OF_APP = {app: resource for resource, (app, _) in RESOURCES.items()}


def scope_name(resource: str, access: str) -> str:
    return f"{resource}:{access}"


def all_scopes() -> list[str]:
    """Every scope a key may carry: the broad two first, then two per resource."""
    return [*ACCESSES, *(scope_name(resource, access) for resource in RESOURCES for access in ACCESSES)]


def unknown_scopes(scopes) -> list[str]:
    known = set(all_scopes())
    return [scope for scope in scopes if scope not in known]


def resource_of_view(view) -> str | None:
    """The resource area a view belongs to (None: only the broad scopes open it)."""
    explicit = getattr(view, "api_resource", None)
    if explicit:
        return explicit
    return _RESOURCE_OF_APP.get(type(view).__module__.split(".")[0])


def needed_scope(resource: str | None, access: str) -> str:
    return scope_name(resource, access) if resource else access


def grants(scopes, resource: str | None, access: str) -> bool:
    """Whether a key with ``scopes`` may ``access`` (read/write) ``resource``."""
    return access in scopes or (resource is not None and scope_name(resource, access) in scopes)


def describe_for_docs() -> str:
    """The scopes, as the API documentation lists them (Markdown)."""
    lines = [
        "Scopes: `read` and `write` open every resource; a scope per resource area opens only that area "
        "(`write` does not imply `read`). A missing scope is a 403 that names the scope needed.",
        "",
    ]
    lines += [
        f"- `{resource}:read` / `{resource}:write`: {label}" for resource, (_, label) in RESOURCES.items()
    ]
    return "\n".join(lines)
