"""The audit log as one list, newest first: the history rows of every tracked model (the django-pghistory
event tables that ``tenants.history.TRACKED`` lists, read as pghistory's aggregate ``Events`` gives them,
in one statement that seeks each table's tenant index) merged with the explicit entries (sign-ins, failed
sign-ins, CSV exports).

Read through the apps registry, never by importing the apps above this one. Both sources are cut to the
current tenant twice: by row-level security on every table read, and by an explicit filter on the
tenant's id.

The page reads by keyset (``AuditLog.page``, like tenants.keyset_pages): the ``size`` rows of each source
past the cursor's row, merged, so page 500 costs what page 1 does; its count stops at 1,000. Rows are
ordered by time, then source (the event model's label, or ``audit.AuditEntry``), then id: history rows
written in one transaction share their time. The CSV reads every row that matches (``count()`` and a
slice); filters narrow both sources in SQL.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet

from accounts.models import User
from audit.models import Action, AuditEntry
from tenants.history import TRACKED, Tracked
from tenants.keyset_pages import CAPPED_COUNT, KeysetPage
from tenants.localtime import tenant_localtime
from tenants.models import Tenant

ENTRY_SOURCE = AuditEntry._meta.label  # the source of an explicit entry in the rows' order

# An event's pgh_label -> the kind the log shows; then the explicit entries' kinds.
EVENT_KINDS = {
    "insert": ("created", "Created"),
    "update": ("changed", "Changed"),
    "delete": ("deleted", "Deleted"),
}
KINDS: dict[str, str] = {
    **dict(EVENT_KINDS.values()),
    **{action.value: action.label for action in Action},
}
_EVENT_LABEL_OF_KIND = {kind: label for label, (kind, _) in EVENT_KINDS.items()}

# Data keys searched for the object's label (history rows keep columns, not labels).
_LABEL_KEYS = ("name", "full_name", "email", "title", "prefix", "reason")


def as_text(value: Any) -> str:
    """A value of a history row as the page and the CSV show it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(as_text(item) for item in value) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {as_text(item)}" for key, item in value.items()) or "(none)"
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any

    @property
    def before_text(self) -> str:
        return as_text(self.before)

    @property
    def after_text(self) -> str:
        return as_text(self.after)


@dataclass
class AuditRow:
    key: str
    at: datetime
    kind: str
    kind_label: str
    actor: str
    ip: str | None
    user_agent: str
    request_id: str
    object_type: str
    object_id: str
    object_label: str
    changes: list[Change] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    order: tuple = ()  # (time, source, id): where the row sits in the log, for the keyset cursor


@dataclass(frozen=True)
class AuditFilters:
    """``actor``: "user:<id>", "key:<id>", "system" or "anonymous"; ``kind``: a key of KINDS;
    ``object_type``: one of ``object_types()``; ``since``/``until``: aware datetimes, until exclusive;
    ``q``: part of the object's label."""

    actor: str = ""
    kind: str = ""
    object_type: str = ""
    since: datetime | None = None
    until: datetime | None = None
    q: str = ""


def object_types() -> list[str]:
    types = {tracked.object_type for tracked in TRACKED.values()} | {"CSV export"}
    return sorted(types)


def audit_log(tenant: Tenant, filters: AuditFilters) -> AuditLog:
    return AuditLog(tenant, filters)


class AuditLog:
    def __init__(self, tenant: Tenant, filters: AuditFilters):
        self.tenant = tenant
        self.filters = filters

    # --- the two sources ---------------------------------------------------------------------------
    def _events(self) -> list[tuple[str, QuerySet]] | None:
        """(event model label, its rows that match) for each tracked event table, or None when the filters
        leave out history rows. Each table is cut to the tenant by its own ``tenant_id`` column, which its
        (tenant, pgh_created_at) index leads: pghistory's aggregate ``Events`` filtered its union by the
        tenant in the JSON of each row, so every page read every tenant's history, and diffed all of this
        tenant's before keeping fifty."""
        f = self.filters
        if f.kind and f.kind not in _EVENT_LABEL_OF_KIND:
            return None
        labels = [_EVENT_LABEL_OF_KIND[f.kind]] if f.kind else list(EVENT_KINDS)
        people = None
        sources = []
        for tracked in TRACKED.values():
            if f.object_type and tracked.object_type != f.object_type:
                continue
            model = apps.get_model(tracked.event_model)
            qs = model.objects.filter(tenant_id=self.tenant.pk, pgh_label__in=labels)
            if f.actor:
                qs = qs.filter(_by_actor(
                    f.actor, user="pgh_context__user", key="pgh_context__api_key",
                    system=Q(pgh_context__isnull=True), anonymous=Q(pgh_context__actor="anonymous"),
                ))  # fmt: skip
            if f.since:
                qs = qs.filter(pgh_created_at__gte=f.since)
            if f.until:
                qs = qs.filter(pgh_created_at__lt=f.until)
            if f.q:
                columns = {field.column: field.attname for field in model._meta.concrete_fields}
                match = Q()
                for key in _LABEL_KEYS:
                    if key in columns:
                        match |= Q(**{f"{columns[key]}__icontains": f.q})
                if "user_id" in columns:
                    if people is None:
                        found = User.objects.filter(Q(email__icontains=f.q) | Q(full_name__icontains=f.q))
                        people = list(found.values_list("pk", flat=True)[:200])
                    match |= Q(user_id__in=people)
                if not match:  # no column of this table holds a label
                    continue
                qs = qs.filter(match)
            sources.append((tracked.event_model, qs))
        return sources

    def _entries(self):
        f = self.filters
        if f.kind and f.kind not in Action.values:
            return None
        qs = AuditEntry.objects.filter(tenant=self.tenant)
        if f.kind:
            qs = qs.filter(action=f.kind)
        if f.object_type:
            qs = qs.filter(object_type=f.object_type)
        if f.actor:
            qs = qs.filter(_by_actor(
                f.actor, user="user_id", key="api_key_id",
                system=Q(actor="system"), anonymous=Q(actor="anonymous"),
            ))  # fmt: skip
        if f.since:
            qs = qs.filter(created_at__gte=f.since)
        if f.until:
            qs = qs.filter(created_at__lt=f.until)
        if f.q:
            qs = qs.filter(object_label__icontains=f.q)
        return qs.order_by("-created_at", "-id")

    # --- a page ----------------------------------------------------------------------------------
    def page(self, *, size: int, cursor: str = "") -> KeysetPage:
        """The ``size`` rows after (older) or before (newer) the cursor's row, newest first; the first page
        for no cursor or one that does not decode."""
        direction, key = _decode(cursor)
        newer = direction == "before"
        events, entries = self._events(), self._entries()
        rows = []
        if events is not None:
            rows += _event_rows(
                _read_events(events, self.tenant.pk, limit=size + 1, key=key, newer=newer), self.tenant
            )
        if entries is not None:
            if key:
                entries = entries.filter(_past(key, newer, "created_at", ENTRY_SOURCE, "id"))
            entries = entries.order_by("created_at", "id") if newer else entries
            rows += [_entry_row(e, self.tenant) for e in entries[: size + 1]]
        rows.sort(key=lambda row: row.order, reverse=not newer)
        more = len(rows) > size
        rows = rows[:size]
        if newer:
            rows.reverse()
            return KeysetPage(
                rows,
                _encode("before", rows[0]) if more and rows else "",
                _encode("after", rows[-1]) if rows else "",
            )
        return KeysetPage(
            rows,
            _encode("before", rows[0]) if key and rows else "",
            _encode("after", rows[-1]) if more else "",
        )

    def capped_count(self, cap: int = CAPPED_COUNT) -> tuple[int, bool]:
        """How many rows match, counted no further than ``cap`` in each table: (count, whether more). One
        statement for every table."""
        sources = [qs for _, qs in self._events() or []]
        if (entries := self._entries()) is not None:
            sources.append(entries)
        capped = [qs.order_by().values("pk")[: cap + 1] for qs in sources]
        total = capped[0].union(*capped[1:], all=True).count() if capped else 0
        return min(total, cap), total > cap

    # --- every row, for the CSV ------------------------------------------------------------------
    def count(self) -> int:
        events, entries = self._events() or [], self._entries()
        return sum(qs.count() for _, qs in events) + (entries.count() if entries is not None else 0)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        events, entries = self._events(), self._entries()
        event_rows = (
            []
            if events is None
            else _event_rows(_read_events(events, self.tenant.pk, limit=stop), self.tenant)
        )
        entry_rows = [] if entries is None else [_entry_row(e, self.tenant) for e in entries[:stop]]
        merged = heapq.merge(event_rows, entry_rows, key=lambda row: row.order, reverse=True)
        return list(merged)[start:stop]

    def __iter__(self):  # the CSV: every row that matches
        return iter(self[0 : self.count()])


def _by_actor(actor: str, *, user: str, key: str, system: Q, anonymous: Q) -> Q:
    """The rows of the actor filter's choice ("user:<id>", "key:<id>", "system", anything else: anonymous),
    with ``user`` and ``key`` the lookups of the person's and the API key's id in a table."""
    who, _, pk = actor.partition(":")
    if who == "user" and pk.isdigit():
        return Q(**{user: int(pk)})
    if who == "key" and pk.isdigit():
        return Q(**{key: int(pk)})
    return system if who == "system" else anonymous


# --- the keyset cursor ----------------------------------------------------------------------------


def _past(key: tuple, newer: bool, at: str, source: str, pk: str) -> Q:
    """Rows past ``key`` = (time, source, id) in the log's order: older ones (``newer``: newer ones), of a
    table whose rows all have the source ``source`` (an event model's label, or ENTRY_SOURCE)."""
    when, of, number = key
    op = "gt" if newer else "lt"
    if of == source:
        tie = Q(**{f"{pk}__{op}": number})
    else:  # the table's rows sort wholly before or after the cursor's source at the same time
        past = of < source if newer else of > source
        tie = Q() if past else Q(pk__in=[])
    # The range on the time alone is what lets the planner seek; the OR refines it.
    bound = Q(**{f"{at}__{'gte' if newer else 'lte'}": when})
    return bound & (Q(**{f"{at}__{op}": when}) | (Q(**{at: when}) & tie))


def _encode(direction: str, row: AuditRow) -> str:
    when, source, number = row.order
    raw = json.dumps([direction, [when.isoformat(), source, number]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, tuple | None]:
    if not cursor:
        return "", None
    try:
        direction, (when, source, number) = json.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
        key = (datetime.fromisoformat(when), str(source), int(number))
    except (binascii.Error, ValueError, TypeError):
        return "", None
    if direction not in ("after", "before") or key[0].tzinfo is None:
        return "", None
    return direction, key


# --- rows ------------------------------------------------------------------------------------------


def _verbose_names(tracked: Tracked) -> dict[str, str]:
    model = apps.get_model(tracked.model)
    return {f.column: str(f.verbose_name).capitalize() for f in model._meta.concrete_fields}


def _changes(event, tracked: Tracked, names: dict[str, str]) -> list[Change]:
    data = {k: v for k, v in (event.pgh_data or {}).items() if k not in tracked.hidden}
    if event.pgh_label == "insert":
        pairs = [(column, None, value) for column, value in data.items() if value not in (None, "", [], {})]
    elif event.pgh_label == "delete":
        pairs = [(column, value, None) for column, value in data.items()]
    else:
        diff = event.pgh_diff or {}
        pairs = [
            (column, values[0], values[1]) for column, values in diff.items() if column not in tracked.hidden
        ]
    return [Change(names.get(column, column), before, after) for column, before, after in sorted(pairs)]


@dataclass(frozen=True)
class _Event:
    """A history row as pghistory's aggregate ``Events`` gives it: ``pgh_data`` the row's columns,
    ``pgh_diff`` {column: [before, after]} against the object's row before it (for an update, its
    ``before_update`` snapshot)."""

    pgh_model: str
    pgh_id: int
    pgh_created_at: datetime
    pgh_label: str
    pgh_obj_id: str | None
    pgh_context: dict | None
    pgh_data: dict
    pgh_diff: dict | None

    @property
    def pgh_slug(self) -> str:
        return f"{self.pgh_model}:{self.pgh_id}"


def _read_events(
    sources: list[tuple[str, QuerySet]],
    tenant_id: int,
    *,
    limit: int | None,
    key: tuple | None = None,
    newer: bool = False,
) -> list[_Event]:
    """The first ``limit`` rows of each table past the cursor's key, newest first (oldest first when
    ``newer``), in one statement: each table's rows picked on its (tenant, pgh_created_at) index, then
    read whole with, for an update, the object's row before it."""
    order = ("pgh_created_at", "pgh_id") if newer else ("-pgh_created_at", "-pgh_id")
    parts, params = [], []
    for label, qs in sources:
        if key:
            qs = qs.filter(_past(key, newer, "pgh_created_at", label, "pgh_id"))
        picked = qs.order_by(*order).values("pgh_id")
        try:
            picked_sql, picked_params = (
                picked[:limit] if limit is not None else picked
            ).query.sql_with_params()
        except EmptyResultSet:  # a filter that matches nothing in this table
            continue
        table = connection.ops.quote_name(qs.model._meta.db_table)
        parts.append(f"""
            SELECT %s, e.pgh_id, e.pgh_created_at, e.pgh_label, e.pgh_obj_id::text, e.pgh_context,
                to_jsonb(e),
                CASE WHEN e.pgh_label = 'update' THEN (
                    SELECT to_jsonb(p) FROM {table} p
                    WHERE p.tenant_id = e.tenant_id AND p.pgh_obj_id = e.pgh_obj_id AND p.pgh_id < e.pgh_id
                    ORDER BY p.pgh_id DESC LIMIT 1
                ) END
            FROM {table} e WHERE e.tenant_id = %s AND e.pgh_id IN ({picked_sql})
        """)  # noqa: S608 (table names from the models; every value is a parameter)
        params += [label, tenant_id, *picked_params]
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"({part})" for part in parts), params)
        events = [_event(*row) for row in cursor.fetchall()]
    events.sort(key=lambda event: (event.pgh_created_at, event.pgh_model, event.pgh_id), reverse=not newer)
    return events


def _event(model, pk, created_at, label, obj_id, context, data, before) -> _Event:
    # Django reads jsonb as text (its JSONField decodes it); a raw cursor gets the text.
    context, data, before = (json.loads(v) if isinstance(v, str) else v for v in (context, data, before))
    data = {column: value for column, value in data.items() if not column.startswith("pgh_")}
    diff = None
    if before is not None:  # pghistory's pgh_diff: the columns both rows have, where they differ, or NULL
        diff = {column: [before[column], value] for column, value in data.items()
                if column in before and before[column] != value} or None  # fmt: skip
    return _Event(model, pk, created_at, label, obj_id, context, data, diff)


def _event_rows(events: list, tenant: Tenant) -> list[AuditRow]:
    names: dict[str, dict[str, str]] = {}
    user_ids = {e.pgh_data.get("user_id") for e in events if e.pgh_data.get("user_id")}
    people = {u.pk: u.email for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    rows = []
    for event in events:
        tracked = TRACKED[event.pgh_model]
        if tracked.event_model not in names:
            names[tracked.event_model] = _verbose_names(tracked)
        context = event.pgh_context or {}
        data = event.pgh_data or {}
        label = tracked.label(data)
        if "user_id" in data and tracked.object_type == "Staff member":
            label = people.get(data["user_id"], label)
        kind, kind_label = EVENT_KINDS.get(event.pgh_label, (event.pgh_label, event.pgh_label))
        rows.append(
            AuditRow(
                key=event.pgh_slug,
                at=tenant_localtime(event.pgh_created_at, tenant),
                kind=kind,
                kind_label=kind_label,
                actor=context.get("actor") or "system",
                ip=context.get("ip"),
                user_agent=context.get("user_agent") or "",
                request_id=context.get("request_id") or "",
                object_type=tracked.object_type,
                object_id=str(event.pgh_obj_id or ""),
                object_label=label,
                changes=_changes(event, tracked, names[tracked.event_model]),
                order=(event.pgh_created_at, event.pgh_model, event.pgh_id),
            )
        )
    return rows


def _entry_row(entry: AuditEntry, tenant: Tenant) -> AuditRow:
    details = dict(entry.details or {})
    changes = []
    if entry.action == Action.EXPORT:
        changes = [Change("Page", None, details.get("path", ""))]
        changes += [Change(f"Filter “{k}”", None, ", ".join(v)) for k, v in details.get("query", {}).items()]
    elif entry.action == Action.SIGN_IN_FAILED and details.get("email"):
        changes = [Change("Email tried", None, details["email"])]
    return AuditRow(
        key=f"audit.AuditEntry:{entry.pk}",
        at=tenant_localtime(entry.created_at, tenant),
        kind=entry.action,
        kind_label=entry.get_action_display(),
        actor=entry.actor,
        ip=entry.ip,
        user_agent=entry.user_agent,
        request_id=entry.request_id,
        object_type=entry.object_type,
        object_id=entry.object_id,
        object_label=entry.object_label,
        changes=changes,
        details=details,
        order=(entry.created_at, ENTRY_SOURCE, entry.pk),
    )


def actor_choices(tenant: Tenant) -> list[tuple[str, str]]:
    """Who can be picked in the actor filter: the tenant's staff (past and present), its API keys, the
    system and anonymous callers. Read from the tenant's staff and the keys' history, in scope."""
    from tenants.models import StaffMembership

    staff = StaffMembership.objects.filter(tenant=tenant).select_related("user").order_by("user__email")
    choices = [(f"user:{m.user_id}", m.user.get_full_name()) for m in staff]
    key_model = apps.get_model("api", "ApiKeyEvent")
    keys = {}
    history = key_model.objects.filter(tenant=tenant).order_by("pgh_id")
    for pk, name, prefix in history.values_list("pgh_obj_id", "name", "prefix"):
        keys[pk] = f"API key “{name}” ({prefix}…)"
    choices += [(f"key:{pk}", label) for pk, label in keys.items()]
    return [*choices, ("system", "System (scheduled jobs)"), ("anonymous", "Anonymous")]
