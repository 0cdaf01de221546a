"""Staff roles and what each may do: the one permission map of the app.

Later apps add their permissions here, so the map stays the single answer to "who may do X".
"""

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    DISPATCHER = "dispatcher", "Dispatcher"
    TECHNICIAN = "technician", "Technician"
    BILLING = "billing", "Billing"
    READ_ONLY = "read_only", "Read-only"


EVERYONE = frozenset(Role)

# permission -> (what it allows, roles that have it)
PERMISSIONS: dict[str, tuple[str, frozenset[Role]]] = {
    "clients.view": ("See clients, contacts, sites and dashboards", EVERYONE),
    "clients.manage": (
        "Add, edit and archive clients, contacts and sites",
        frozenset({Role.OWNER, Role.MANAGER, Role.DISPATCHER}),
    ),
    "staff.view": ("See the team and their roles", EVERYONE),
    "staff.manage": ("Invite staff, change roles, remove staff", frozenset({Role.OWNER})),
    "api_keys.manage": ("Create and revoke partner API keys", frozenset({Role.OWNER, Role.MANAGER})),
    "webhooks.manage": (
        "Register partner webhooks, see their secrets and delivery log, and send deliveries again",
        frozenset({Role.OWNER, Role.MANAGER}),
    ),
    "tenant.manage": (
        "Change the company's settings: name, time zone, reply-to address",
        frozenset({Role.OWNER, Role.MANAGER}),
    ),
    "tenant.two_factor": (
        "Require two-step sign-in (an authenticator app) for all staff",
        frozenset({Role.OWNER}),
    ),
    "tenant.seal": (
        "Replace the certificate that seals signed PDFs (upload a PKCS#12 key and certificate)",
        frozenset({Role.OWNER}),
    ),
    "sla.view": ("See business calendars, SLA policies, the priority matrix and the issue catalog", EVERYONE),
    "sla.manage": (
        "Change business calendars, SLA policies, the priority matrix and the issue catalog",
        frozenset({Role.OWNER, Role.MANAGER}),
    ),
    "contracts.view": (
        "See agreements, signing campaigns, signatures and the renewal pipeline",
        EVERYONE,
    ),
    "contracts.manage": (
        "Write and publish contract templates; create, send and cancel agreements; run signing campaigns",
        frozenset({Role.OWNER, Role.MANAGER}),
    ),
    "tickets.view": ("See tickets, their SLA clocks, the SLA board and time entries", EVERYONE),
    "tickets.manage": (
        "Open tickets, reply, change status, priority and assignee, check in on site",
        frozenset({Role.OWNER, Role.MANAGER, Role.DISPATCHER, Role.TECHNICIAN}),
    ),
    "time.log": (
        "Log time worked on tickets",
        frozenset({Role.OWNER, Role.MANAGER, Role.DISPATCHER, Role.TECHNICIAN}),
    ),
    "billing.run": (
        "Preview the billing run and start it, which issues the invoices that are due",
        frozenset({Role.OWNER, Role.MANAGER, Role.BILLING}),
    ),
    "plans.view": ("See membership plans and each client's membership", EVERYONE),
    "plans.manage": (
        "Add, edit, archive and restore membership plans",
        frozenset({Role.OWNER, Role.MANAGER}),
    ),
    "memberships.manage": (
        "Start, change, cancel and resume clients' memberships",
        frozenset({Role.OWNER, Role.MANAGER, Role.BILLING}),
    ),
    "reports.view": (
        "See SLA compliance, breach and utilisation reports, and export them",
        frozenset({Role.OWNER, Role.MANAGER, Role.DISPATCHER, Role.BILLING, Role.READ_ONLY}),
    ),
    "billing.view": (
        "See invoices, credit notes, payments and clients' billing accounts",
        frozenset({Role.OWNER, Role.MANAGER, Role.BILLING, Role.READ_ONLY}),
    ),
    "billing.manage": (
        "Record payments, issue credit notes, void and resend invoices, set clients' billing accounts",
        frozenset({Role.OWNER, Role.MANAGER, Role.BILLING}),
    ),
    "billing.settings": (
        "Change the company's billing settings: tax rate, payment terms, billing run hour, invoice footer",
        frozenset({Role.OWNER, Role.MANAGER}),
    ),
    "revenue.view": (
        "See recurring revenue (MRR, movements, retention), profitability per client, the accounting export",
        frozenset({Role.OWNER, Role.MANAGER, Role.BILLING}),
    ),
    "staff.cost_rates": (
        "Set what an hour of each staff member costs (for profitability), with its history",
        frozenset({Role.OWNER}),
    ),
    "rewards.view": ("See clients' rewards, the rewards programs and what they cost", EVERYONE),
    "rewards.nominate": (
        "Nominate clients for customer of the month, vote, record best-practice checks, propose referrals",
        frozenset({Role.OWNER, Role.MANAGER, Role.DISPATCHER, Role.TECHNICIAN, Role.BILLING}),
    ),
    "rewards.manage": (
        "Set up the rewards programs, grant or withdraw rewards by hand, mark gifts delivered",
        frozenset({Role.OWNER, Role.MANAGER}),
    ),
    # Owners only: the log holds every colleague's sign-ins with their addresses and devices, personal
    # data like the cost rates; managers make most of the changes it records.
    "audit.view": (
        "See the audit log of staff actions (changes, sign-ins, exports) and export it",
        frozenset({Role.OWNER}),
    ),
}


def has_permission(role: str | None, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}: add it to tenants.roles.PERMISSIONS")
    return role is not None and Role(role) in PERMISSIONS[permission][1]


def permission_matrix() -> list[tuple[str, str, list[bool]]]:
    """Rows of (permission, description, [allowed for each role in Role order]) for the team page."""
    return [(code, text, [role in roles for role in Role]) for code, (text, roles) in PERMISSIONS.items()]
