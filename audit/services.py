"""Writing the explicit audit entries (``audit.models.AuditEntry``) and the who/where of a request.

Every function here only inserts: entries are never updated or deleted.
"""

from __future__ import annotations

import logging
import re
import uuid

from django.contrib.auth import get_user_model

from accounts.actors import actor_label
from accounts.origin import client_ip, user_agent
from audit.models import Action, AuditEntry
from tenants.scope import current_tenant, current_tenant_or_none, tenant_scope
from tenants.selectors import memberships_for_user

logger = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,36}$")
_FILENAME = re.compile(r'filename="?([^";]+)"?')


def request_id(request) -> str:
    """The request's id: an ``X-Request-ID`` a proxy set (when it looks like one), else a fresh one.
    Kept on the request so the history rows and the explicit entries of one request share it."""
    if not getattr(request, "audit_request_id", None):
        given = request.headers.get("X-Request-ID", "")
        request.audit_request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    return request.audit_request_id


def request_context(request, *, user=None) -> dict:
    """Who and from where, as stored in every history row's ``pgh_context`` and every explicit entry:
    ``user`` (id) or ``api_key`` (id), ``actor`` (a label that survives renames), ``ip``, ``user_agent``,
    ``request_id``. An API key wins over the session: it is who the API acted for."""
    context = {"ip": client_ip(request), "user_agent": user_agent(request), "request_id": request_id(request)}
    api_key = getattr(request, "api_key", None)
    user = user or getattr(request, "user", None)
    if api_key is not None:
        context.update(api_key=api_key.pk, actor=actor_label(api_key=api_key))
    elif user is not None and user.is_authenticated and getattr(user, "pk", None):
        context.update(user=user.pk, actor=actor_label(user))
    else:
        context["actor"] = "anonymous"
    return context


def record(
    *,
    action: str,
    context: dict,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    details: dict | None = None,
) -> AuditEntry:
    """Add one entry in the current tenant (``tenant_scope`` must be entered)."""
    return AuditEntry.objects.create(
        tenant=current_tenant(),
        action=Action(action),
        user_id=context.get("user"),
        api_key_id=context.get("api_key"),
        actor=context.get("actor") or "system",
        ip=context.get("ip"),
        user_agent=(context.get("user_agent") or "")[:300],
        request_id=context.get("request_id") or "",
        object_type=object_type[:60],
        object_id=str(object_id)[:60],
        object_label=object_label[:300],
        details=details or {},
    )


def record_sign_in(request, user) -> list[AuditEntry]:
    """One entry in each company the person is active staff of: each company's owners see that their
    staff signed in (and from where), and no company sees another's."""
    context = request_context(request, user=user)
    entries = []
    for membership in memberships_for_user(user):
        with tenant_scope(membership.tenant):
            entries.append(
                record(
                    action=Action.SIGN_IN,
                    context=context,
                    object_type="Staff member",
                    object_id=str(user.pk),
                    object_label=user.email,
                )
            )
    return entries


def record_failed_sign_in(request, email: str) -> list[AuditEntry]:
    """A failed sign-in for a known email is recorded once in each company that person is active staff of,
    with no actor (nobody proved who they are) and the address tried.

    The log is tenant-scoped under row-level security, so an entry needs a tenant: a failed sign-in for an
    email nobody uses belongs to no company, and writing it to one would tell that company about strangers'
    guesses (and let anyone fill any log). It goes to the application log instead (logger
    ``audit.services``), where the operator of the installation sees it.
    """
    email = (email or "").strip()
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    context = request_context(request, user=None) if request is not None else {"actor": "anonymous"}
    context["actor"] = "anonymous"
    memberships = memberships_for_user(user) if user is not None else []
    if not memberships:
        logger.info("failed sign-in for an email of no staff: %r from %s", email[:200], context.get("ip"))
        return []
    entries = []
    for membership in memberships:
        with tenant_scope(membership.tenant):
            entries.append(
                record(
                    action=Action.SIGN_IN_FAILED,
                    context=context,
                    object_type="Staff member",
                    object_id=str(user.pk),
                    object_label=user.email,
                    details={"email": email[:200]},
                )
            )
    return entries


def record_lockout(request, email: str, until) -> list[AuditEntry]:
    """The account was locked after too many failures: once in each company the person is staff of."""
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    if user is None:
        logger.warning("sign-in locked for an email of no staff: %r", (email or "")[:200])
        return []
    context = request_context(request, user=None) if request is not None else {}
    context["actor"] = "anonymous"
    return _in_each_company_of(
        user,
        action=Action.LOCKED_OUT,
        context=context,
        details={"email": email[:200], "until": until.isoformat()},
    )


def record_unlock(request, email: str) -> AuditEntry | None:
    """An owner lifted a member's lock, in the company they did it from."""
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None or current_tenant_or_none() is None:
        return None
    return record(
        action=Action.UNLOCKED,
        context=request_context(request),
        object_type="Staff member",
        object_id=str(user.pk),
        object_label=user.email,
    )


def record_two_factor_change(request, user, *, enabled: bool) -> list[AuditEntry]:
    context = request_context(request, user=user) if request is not None else {"actor": actor_label(user)}
    action = Action.TWO_FACTOR_ON if enabled else Action.TWO_FACTOR_OFF
    return _in_each_company_of(user, action=action, context=context)


def _in_each_company_of(user, *, action, context, details=None) -> list[AuditEntry]:
    entries = []
    for membership in memberships_for_user(user):
        with tenant_scope(membership.tenant):
            entries.append(
                record(
                    action=action,
                    context=context,
                    object_type="Staff member",
                    object_id=str(user.pk),
                    object_label=user.email,
                    details=details,
                )
            )
    return entries


def is_csv_download(response) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().lower() == "text/csv"


def record_export(request, response) -> AuditEntry:
    """A CSV download: which file, from which page, with which filters (the query string)."""
    disposition = response.get("Content-Disposition", "")
    match = _FILENAME.search(disposition)
    filename = match.group(1) if match else request.path.rstrip("/").rsplit("/", 1)[-1]
    return record(
        action=Action.EXPORT,
        context=request_context(request),
        object_type="CSV export",
        object_label=filename,
        details={"path": request.path, "query": {key: request.GET.getlist(key) for key in request.GET}},
    )
