"""Keyset pages for the lists that grow without bound (tickets, breaches): "Newer / Older" instead of page
numbers, so page 2,000 costs what page 1 does.

A page is the ``size`` rows after (or before) a cursor: the ordering values of the row at its edge, in the
URL. The query asks for the rows past those values (``created_at < X OR (created_at = X AND id < Y)``),
which the list's (tenant_id, created_at DESC, id DESC)-style index answers directly; OFFSET would read and
throw away every row before the page, and a page count needs COUNT(*) over the whole list. The ordering
must end with a unique field (the id) so no row is skipped or shown twice. Any app may use it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict

CAPPED_COUNT = 1000


class InvalidCursor(ValueError):
    """A cursor that names no position in the list: not one of ours, hand-edited, or of another ordering."""


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    newer: str  # the cursor of the page before (empty on the first page)
    older: str  # the cursor of the page after (empty on the last page)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.newer or self.older)


def keyset_page(
    queryset: QuerySet, ordering: tuple[str, ...], *, size: int, cursor: str = "", strict: bool = False
) -> KeysetPage:
    """The page of ``queryset`` in ``ordering`` that ``cursor`` names (the first page for none, or one that
    does not decode: a stale or hand-edited link shows the first page rather than an error). ``strict``
    raises InvalidCursor for one that does not decode instead: an API tells its client what it sent wrong.

    A cursor holds ordering values only, no row: read in another tenant's scope it can only name a
    position among that tenant's rows."""
    direction, values = _decode(cursor, len(ordering))
    if strict and cursor and not direction:
        raise InvalidCursor(cursor)
    try:
        past = _past(ordering if direction == "after" else tuple(map(_flip, ordering)), values, queryset)
    except ValidationError as error:  # well-formed, but not values of these fields
        if strict:
            raise InvalidCursor(cursor) from error
        direction, past = "", Q()
    if direction == "before":  # walk back: the reversed ordering, then the rows turned round again
        reverse = tuple(_flip(name) for name in ordering)
        rows = list(queryset.filter(past).order_by(*reverse)[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        newer = _encode("before", rows[0], ordering) if more_newer and rows else ""
        older = _encode("after", rows[-1], ordering) if rows else ""
        return KeysetPage(rows, newer, older)
    if direction == "after":
        queryset = queryset.filter(past)
    rows = list(queryset.order_by(*ordering)[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    newer = _encode("before", rows[0], ordering) if direction == "after" and rows else ""
    older = _encode("after", rows[-1], ordering) if more_older else ""
    return KeysetPage(rows, newer, older)


def keyset_list_context(query: QueryDict, rows: QuerySet, ordering: tuple[str, ...], *, size: int) -> dict:
    """What a list template with keyset pages needs, for the request's ``query`` (its GET): the page
    (``keyset``, with its rows as ``object_list``), the count capped at ``CAPPED_COUNT`` (``shown``,
    ``more_than_shown``) and the query string without the cursor (``querystring``, which the pager's links
    extend: templates/includes/keyset_pager.html)."""
    page = keyset_page(rows, ordering, size=size, cursor=query.get("cursor", ""))
    shown, more = capped_count(rows)
    params = query.copy()
    params.pop("cursor", None)
    params.pop("page", None)  # a link from before keyset pages
    return {
        "keyset": page,
        "object_list": page.rows,
        "shown": shown,
        "more_than_shown": more,
        "querystring": params.urlencode(),
    }


def capped_count(queryset: QuerySet, cap: int = CAPPED_COUNT) -> tuple[int, bool]:
    """How many rows, counted no further than ``cap``: (count, whether there are more). The count of a
    million-row list reads a million rows; "more than 1,000" reads a thousand."""
    count = queryset.order_by()[: cap + 1].count()
    return min(count, cap), count > cap


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def _past(ordering: tuple[str, ...], values: list, queryset: QuerySet) -> Q:
    """Rows strictly after ``values`` in ``ordering``: (a > x) OR (a = x AND b > y) OR …"""
    if not values:
        return Q()
    fields = [queryset.model._meta.get_field(name.lstrip("-")) for name in ordering]
    typed = [_typed(field, value) for field, value in zip(fields, values, strict=True)]
    condition, equal = Q(), Q()
    for name, value in zip(ordering, typed, strict=True):
        field_name = name.lstrip("-")
        lookup = "lt" if name.startswith("-") else "gt"
        condition |= equal & Q(**{f"{field_name}__{lookup}": value})
        equal &= Q(**{field_name: value})
    # Implied by the OR, but a range on the first key is what the index can seek to (the OR alone is
    # read as a filter over every row before the page).
    first = ordering[0]
    bound = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": typed[0]})
    return bound & condition


def _typed(field, value):
    """A cursor's value as the field's (a list or a number where a time belongs is not one: to_python says
    TypeError; a null is no position, the keys being NOT NULL)."""
    try:
        typed = field.to_python(value)
    except TypeError as error:
        raise ValidationError(str(error)) from error
    if typed is None:
        raise ValidationError("A cursor has no null values.")
    return typed


def _encode(direction: str, row, ordering: tuple[str, ...]) -> str:
    values = [_plain(getattr(row, name.lstrip("-"))) for name in ordering]
    raw = json.dumps([direction, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, length: int) -> tuple[str, list]:
    if not cursor:
        return "", []
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        direction, values = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        return "", []
    if direction not in ("after", "before") or not isinstance(values, list) or len(values) != length:
        return "", []
    return direction, values


def _plain(value: Any):
    return value.isoformat() if hasattr(value, "isoformat") else value
