"""Trigram search (PostgreSQL's pg_trgm): the extension, the GIN indexes that serve it, and the match.

A search term matches a column when the column contains it (case-insensitive, ``UPPER(col) LIKE
UPPER('%term%')``) or, when nothing at all does, when a word of the column is close to it (``UPPER(col) %>
term``, pg_trgm's word similarity, so "plumbng" finds "Plumbing"): :func:`best_matches`. Both can be
served by one GIN index per column on ``UPPER(col) gin_trgm_ops`` (:func:`trigram_index`; the ``UPPER`` is
what Django's ``icontains`` writes) where the query is not bound by row-level security, or where UPPER,
LIKE and ``%>`` are LEAKPROOF; for the web role they are not, so see best_matches for the cost.

pg_trgm ships with PostgreSQL's contrib package and is a trusted extension (PostgreSQL 13+), so the owner
role that runs migrations creates it (it owns the database). The embedded PostgreSQL of ``make run``
(pgserver 0.1.4) does not ship it: there the migrations skip the extension and the trigram indexes
(:class:`CreateTrigramExtensionIfAvailable`, :class:`AddTrigramIndex`) and :func:`best_matches` falls back
to the substring match alone: the same substrings, no near misses.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.operations import TrigramExtension
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connections, migrations
from django.db.models import Case, F, Q, Value, When
from django.db.models.expressions import Expression
from django.db.models.functions import Greatest, Length, Upper

EXTENSION = "pg_trgm"
_installed: dict[tuple[str, str], bool] = {}


def trigram_index(field: str, *, name: str) -> GinIndex:
    """The GIN trigram index on ``UPPER(field)`` that serves :func:`text_match` on that column."""
    return GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)


def _available(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", [EXTENSION])
        return cursor.fetchone() is not None


def _installed_in(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = %s", [EXTENSION])
        return cursor.fetchone() is not None


class CreateTrigramExtensionIfAvailable(TrigramExtension):
    """``CREATE EXTENSION IF NOT EXISTS pg_trgm`` where the server ships it; nothing where it does not
    (the embedded PostgreSQL), so migrations run on both."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _available(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        # Other apps' indexes may use it, and dropping an extension is not this app's call: keep it.
        pass

    def describe(self):
        return "Creates extension pg_trgm where the server ships it"


class AddTrigramIndex(migrations.AddIndex):
    """AddIndex for a :func:`trigram_index`, skipped (in the database only) without pg_trgm."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _installed_in(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _installed_in(schema_editor):
            schema_editor.execute(f'DROP INDEX IF EXISTS "{self.index.name}"')


def trigram_installed(using: str = "default") -> bool:
    """Whether the database has pg_trgm (asked once per database and process)."""
    connection = connections[using]
    key = (using, connection.settings_dict["NAME"])
    if key not in _installed:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = %s", [EXTENSION])
            _installed[key] = cursor.fetchone() is not None
    return _installed[key]


def best_matches(queryset, fields: list[str], term: str, *, limit: int, near: bool = False, also=None,
                 order_first=(), order_last=("pk",)) -> list:  # fmt: skip
    """The ``limit`` rows of ``queryset`` matching ``term`` best, after ``order_first``.

    By default the rows where a field contains ``term`` (or that match ``also``, a Q such as a number),
    those where the first field starts with it first, then the shortest. With ``near=True`` (the caller's
    second chance when nothing contained the term: a typo) the rows where a word of a field is close to
    it (pg_trgm), the closest first; nothing without pg_trgm.

    Two passes, and the second only when asked, because under row-level security PostgreSQL does not use
    an index for an operator that is not LEAKPROOF (UPPER, LIKE and ``%>`` are not): both are checked row
    by row over the tenant's rows, and the word-similarity check costs several times the substring one."""
    rows = queryset.alias(**upper_aliases(fields))
    if near:
        if not trigram_installed():
            return []
        close = Q()
        for field in fields:
            close |= Q(**{f"{_alias(field)}__{TrigramWordSimilar.lookup_name}": term})
        ranked = rows.filter(close).annotate(search_rank=match_rank(fields, term))
        return list(ranked.order_by(*order_first, "-search_rank", *order_last)[:limit])
    contains = Q()
    for field in fields:
        contains |= Q(**{f"{field}__icontains": term})
    if also is not None:
        contains |= also
    starts = Case(When(**{f"{fields[0]}__istartswith": term}, then=Value(0)), default=Value(1))
    ranked = rows.filter(contains).alias(starts=starts, length=Length(fields[0]))
    return list(ranked.order_by(*order_first, "starts", "length", *order_last)[:limit])


def upper_aliases(fields: list[str]) -> dict[str, Expression]:
    """``UPPER(field)`` under a name per field: the very expression the trigram indexes hold."""
    return {_alias(field): Upper(field) for field in fields}


def match_rank(fields: list[str], term: str) -> Expression:
    """How close the best of ``fields`` comes to ``term`` (pg_trgm word similarity, 0 to 1)."""
    scores = [TrigramWordSimilarity(Value(term), F(_alias(field))) for field in fields]
    return scores[0] if len(scores) == 1 else Greatest(*scores)


def _alias(field: str) -> str:
    return f"upper_{field.replace('__', '_')}"
