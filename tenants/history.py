"""History of every change to a staff-managed model (django-pghistory): the audit log's model changes.

``@track_history(label=..., exclude=...)`` on a tenant-owned model installs PostgreSQL triggers that copy
the row into an event table on insert, on an update that changes a tracked field, and on delete, in the
same statement as the write: ``save()``, ``qs.update()``, ``bulk_create`` and raw SQL alike. Each event
row carries:

- the tracked fields; an update writes two rows, the row before (label ``before_update``) and after it,
  so the diff of an update never depends on older history (rows that existed before tracking began);
- ``tenant_id`` and the tenant's row-level security policy, like every tenant table;
- ``pgh_context``: who and from where (user, API key, IP, user agent, request id), set per request by
  ``audit.middleware.AuditContextMiddleware`` through ``pghistory.context``; NULL for work no person
  started (Celery tasks, commands), which the audit log shows as "system".

Event tables are append-only (``tenants.grants.AppendOnly``: the web and worker roles are granted SELECT and
INSERT only; and pghistory's own ``Protect`` trigger), and their foreign keys carry
no database constraint, so deleting or renaming the tracked object never touches its history.

Columns worth leaving out (``exclude=``): ones the system bumps on its own (``updated_at``, an API key's
``last_used_at``), which would otherwise make an event of every touch, and secrets (hashes).

The registry ``TRACKED`` maps each event model label to how the audit log names its objects; the audit
app reads it (and ``pghistory.models.Events``) without importing the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pghistory
import pgtrigger
from django.db import models

from tenants.grants import AppendOnly
from tenants.rls import RowLevelSecurity


@dataclass(frozen=True)
class Tracked:
    event_model: str  # "clients.ClientEvent"
    model: str  # "clients.Client"
    object_type: str  # "Client", as the audit log names it
    label: Callable[[dict], str]  # the object's label from an event's data (column name -> value)
    hidden: frozenset[str]  # columns never shown in a diff


TRACKED: dict[str, Tracked] = {}

# The label of the snapshot taken of a row just before each update (not an action of its own).
BEFORE_UPDATE = "before_update"

ALWAYS_HIDDEN = frozenset({"id", "tenant_id", "created_at", "updated_at"})


def label_from(*columns: str) -> Callable[[dict], str]:
    """A label made of the first of ``columns`` that has a value (``{"name": "Gold"}`` -> "Gold")."""

    def label(data: dict) -> str:
        for column in columns:
            if data.get(column) not in (None, ""):
                return str(data[column])
        return f"#{data.get('id', '')}"

    return label


class _And(pgtrigger.Condition):
    def __init__(self, *conditions: pgtrigger.Condition):
        self.conditions = conditions

    def resolve(self, model):
        return "(" + " AND ".join(f"({condition.resolve(model)})" for condition in self.conditions) + ")"


def track_history(
    *,
    object_type: str,
    label: Callable[[dict], str],
    exclude: Sequence[str] = (),
    hidden: Sequence[str] = (),
    condition: str = "",
    tenant_column: str = "tenant",
):
    """Class decorator: keep the model's history in ``<app>_<model>event`` (see the module docstring).

    ``tenant_column`` is the tracked model's field that holds its tenant. The tenant itself tracks its own
    ``id``: its event table gets ``tenant_id`` as a generated column equal to the tracked row's id.
    ``condition`` (SQL with ``{row}`` for the row: NEW on insert and update, OLD on delete; no subquery)
    narrows the triggers further.
    """

    def decorate(model: type[models.Model]) -> type[models.Model]:
        tracked_fields = [f.name for f in model._meta.local_fields if f.name not in exclude]
        changed = pgtrigger.AnyChange(*tracked_fields)

        def on(row: str):
            return pgtrigger.Condition(condition.format(row=row)) if condition else None

        on_update = _And(changed, on("NEW")) if condition else changed
        trackers = [
            pghistory.InsertEvent(condition=on("NEW")),
            # The row as it was, then as it is: the diff of an update is exact even for a row that was
            # there before its history began (its trigger, "before_update", runs before "update").
            pghistory.UpdateEvent(BEFORE_UPDATE, row="OLD", condition=on_update),
            pghistory.UpdateEvent(condition=on_update),
            pghistory.DeleteEvent(condition=on("OLD")),
        ]
        name = model._meta.model_name
        attrs = {"append_only": AppendOnly()}  # the web and worker roles get SELECT and INSERT only
        if tenant_column == "id":
            attrs["tenant_id"] = models.GeneratedField(
                expression=models.F("id"), output_field=models.BigIntegerField(), db_persist=True
            )
            index_fields = ["tenant_id", "pgh_created_at"]
        else:
            index_fields = [tenant_column, "pgh_created_at"]
        meta = {
            "constraints": [RowLevelSecurity(name=f"{model._meta.app_label}_{name}event_rls")],
            "indexes": [
                models.Index(fields=index_fields, name=f"{name[:20]}_evt_idx"),
                # An object's row before a given one (the audit log diffs an update against it): a client
                # changed 5,000 times made the single-column pgh_obj_id index sort 5,000 rows per lookup.
                models.Index(fields=[index_fields[0], "pgh_obj", "pgh_id"], name=f"{name[:20]}_evt_prev"),
            ],
        }
        pghistory.track(
            *trackers,
            exclude=list(exclude),
            model_name=f"{model.__name__}Event",
            context_field=pghistory.ContextJSONField(),
            append_only=True,
            attrs=attrs,
            meta=meta,
        )(model)
        event_label = f"{model._meta.app_label}.{model.__name__}Event"
        TRACKED[event_label] = Tracked(
            event_model=event_label,
            model=model._meta.label,
            object_type=object_type,
            label=label,
            hidden=ALWAYS_HIDDEN | frozenset(hidden),
        )
        return model

    return decorate
