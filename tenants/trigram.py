"""Trigram search (PostgreSQL's pg_trgm): the extension, the GIN indexes that serve it, and the match.

A search term matches a column when the column contains it (case-insensitive, ``UPPER(col) LIKE
UPPER('%term%')``) or, when nothing at all does, when a word of the column is close to it (``UPPER(col) %>
term``, pg_trgm's word similarity, so "plumbng" finds "Plumbing"): :func:`best_matches`. Both can be
served by one GIN index per column on ``(tenant_id, UPPER(col) gin_trgm_ops)`` (:func:`tenant_trigram_index`;
the ``UPPER`` is what Django's ``icontains`` writes; the tenant so that a search reads its own tenant's
candidates only, not every tenant's).

Under row-level security (the web role) PostgreSQL uses an index only for LEAKPROOF operators, and UPPER,
LIKE and ``%>`` are not (marking them so needs a superuser): a search in the query itself reads every row
of the tenant. So each searched column has two *search functions* (:class:`CreateSearchFunctions`):
``SECURITY DEFINER`` functions owned by the owner role, which passes the policies, so inside them the
planner may use the trigram index. They return the ids of the rows of the **current tenant only**
(``tenant_id = app_current_tenant()``; none when no tenant is set) that contain a LIKE pattern or come
close to a term; :func:`matching_ids` asks them and the caller filters on those ids, in a query still bound
by RLS and the scoped manager. A term in more rows than the caller's cap is left to the query's own
filter (:func:`contains_common_term`): then walking the list's ordered index finds a page of matches
quickly, where fetching every id would not.

pg_trgm ships with PostgreSQL's contrib package and is a trusted extension (PostgreSQL 13+), so the owner
role that runs migrations creates it (it owns the database); so is btree_gin, which puts ``tenant_id`` in
the GIN index. The embedded PostgreSQL of ``make run`` (pgserver 0.1.4) ships neither: there the
migrations skip the extensions, the trigram indexes and the near-miss functions
(:class:`CreateTrigramExtensionIfAvailable`, :class:`AddTenantTrigramIndex`, :class:`CreateSearchFunctions`)
and :func:`best_matches` falls back to the substring match alone: the same substrings, no near misses.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.operations import (
    AddIndexConcurrently,
    BtreeGinExtension,
    RemoveIndexConcurrently,
    TrigramExtension,
)
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connections, migrations
from django.db.migrations.operations.base import Operation
from django.db.models import BooleanField, Case, F, Func, Q, Value, When
from django.db.models.expressions import Expression
from django.db.models.functions import Greatest, Length, Upper

from tenants.concurrent_indexes import drop_invalid_index

EXTENSION = "pg_trgm"
# btree_gin lets a GIN index hold tenant_id beside the trigrams (tenant_trigram_index).
BTREE_GIN = "btree_gin"
# More matching rows than this in a field and best_matches ranks in its own query (matching_ids).
BEST_MATCHES_CAP = 5000
_installed: dict[tuple[str, str], bool] = {}


def tenant_trigram_index(field: str, *, name: str) -> GinIndex:
    """The GIN index on ``(tenant_id, UPPER(field) gin_trgm_ops)`` that serves the search functions.

    A trigram index of the column alone finds every tenant's rows holding the term's trigrams: a search of
    the big tenant for a word only other tenants use read 24,950 of their rows, and PostgreSQL ANDed them
    with a bitmap of the tenant's million rows (33 ms). With the tenant in the same GIN index its posting
    list is skipped through along the trigrams' (GIN intersects the keys of all columns), so a search costs
    the tenant's own candidates. Needs btree_gin for the ``bigint`` key; :class:`AddTenantTrigramIndex`
    builds the trigram part alone where the server lacks it."""
    return GinIndex(F("tenant"), OpClass(Upper(field), name="gin_trgm_ops"), name=name)


def _available(schema_editor, extension: str = EXTENSION) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", [extension])
        return cursor.fetchone() is not None


def _installed_in(schema_editor, extension: str = EXTENSION) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = %s", [extension])
        return cursor.fetchone() is not None


class _IfAvailable:
    """A CreateExtension operation that does nothing where the server does not ship the extension (the
    embedded PostgreSQL), so migrations run on both; and keeps it when migrated backwards: other apps'
    indexes may use it, and dropping an extension is not one app's call."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _available(schema_editor, self.name):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return f"Creates extension {self.name} where the server ships it"


class CreateTrigramExtensionIfAvailable(_IfAvailable, TrigramExtension):
    """``CREATE EXTENSION IF NOT EXISTS pg_trgm`` where the server ships it."""


class CreateBtreeGinExtensionIfAvailable(_IfAvailable, BtreeGinExtension):
    """``CREATE EXTENSION IF NOT EXISTS btree_gin`` where the server ships it (a trusted extension, as
    pg_trgm: the owner role creates it)."""


class AddTrigramIndex(migrations.AddIndex):
    """AddIndex for a trigram index of the column alone (``UPPER(col) gin_trgm_ops``: the earlier
    migrations'), skipped (in the database only) without pg_trgm."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _installed_in(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _installed_in(schema_editor):
            schema_editor.execute(f'DROP INDEX IF EXISTS "{self.index.name}"')


class AddTenantTrigramIndex(AddIndexConcurrently):
    """AddIndexConcurrently for a :func:`tenant_trigram_index` (in a non-atomic migration: a big table
    keeps taking writes while it builds). In the database: as defined where pg_trgm and btree_gin are
    installed; the trigram part alone (under the same name) where only pg_trgm is; nothing without
    pg_trgm. The search functions' SQL is the same over each."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _installed_in(schema_editor):
            return
        self._ensure_not_in_transaction(schema_editor)
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        index = self.index
        if not _installed_in(schema_editor, BTREE_GIN):
            index = GinIndex(*index.expressions[1:], name=index.name)
        drop_invalid_index(schema_editor, index.name)  # what a failed build left (tenants.concurrent_indexes)
        schema_editor.add_index(model, index, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._ensure_not_in_transaction(schema_editor)
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{self.index.name}"')


class RemoveTrigramIndexConcurrently(RemoveIndexConcurrently):
    """RemoveIndexConcurrently of an :class:`AddTrigramIndex`'s index, which exists only where pg_trgm
    does (the drop is ``IF EXISTS``; migrated backwards, it is built again only there)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _installed_in(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


# The search functions of one column (CreateSearchFunctions). Dynamic SQL (EXECUTE … USING) so each call
# is planned for its own pattern: a generic plan would not know whether the trigram index pays.
_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION public.{name}({argument} text, max_rows integer) RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
DECLARE
    tenant bigint := public.app_current_tenant();
BEGIN
    IF tenant IS NULL THEN
        RETURN;  -- no tenant, no rows: as row-level security would answer
    END IF;
    RETURN QUERY EXECUTE
        'SELECT {pk} FROM public.{table} WHERE tenant_id = $1 AND {condition} LIMIT $3'
        USING tenant, {argument}, max_rows;
END
$fn$
"""
CONTAINING, NEAR = "containing", "near"
# What each kind matches, on ``column`` with the argument $2: a LIKE pattern, or a term close to a word.
_CONDITIONS = {
    CONTAINING: ("pattern", "UPPER({column}) LIKE UPPER($2)"),
    NEAR: ("term", "UPPER({column}) %> $2"),
}


def search_function(table: str, column: str, kind: str) -> str:
    """The name of the function returning the current tenant's ids of ``table`` whose ``column`` is
    ``kind`` (CONTAINING a LIKE pattern, or NEAR a term)."""
    return f"{table}_{column}_ids_{kind}"


class CreateSearchFunctions(Operation):
    """The search functions of ``model_name``'s ``fields`` (see the module's docstring): the substring one
    everywhere (LIKE needs no pg_trgm, only its index does), the near-miss one where pg_trgm is installed.

    Created by the migrating owner role, so they run as it, past the policies: each filters on
    ``app_current_tenant()`` itself and returns ids only, which the caller's query (bound by RLS and the
    scoped manager) filters on again. ``SET search_path`` keeps a caller's schema from shadowing
    anything they name."""

    reversible = True

    def __init__(self, model_name: str, fields: list[str]):
        self.model_name = model_name
        self.fields = fields

    def deconstruct(self):
        return self.__class__.__name__, [], {"model_name": self.model_name, "fields": self.fields}

    def state_forwards(self, app_label, state):
        pass

    def _columns(self, app_label, state, schema_editor):
        model = state.apps.get_model(app_label, self.model_name)
        quote = schema_editor.quote_name
        for field in self.fields:
            column = model._meta.get_field(field).column
            yield (
                model._meta.db_table,
                column,
                quote(model._meta.db_table),
                quote(column),
                quote(model._meta.pk.column),
            )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        near = _installed_in(schema_editor)
        for table, column, q_table, q_column, q_pk in self._columns(app_label, to_state, schema_editor):
            for kind, (argument, condition) in _CONDITIONS.items():
                if kind == NEAR and not near:
                    continue
                sql = _FUNCTION_SQL.format(
                    name=search_function(table, column, kind), argument=argument, table=q_table, pk=q_pk,
                    condition=condition.format(column=q_column),
                )  # fmt: skip
                schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for table, column, *_ in self._columns(app_label, from_state, schema_editor):
            for kind in (CONTAINING, NEAR):
                name = search_function(table, column, kind)
                schema_editor.execute(f"DROP FUNCTION IF EXISTS public.{name}(text, integer)", params=None)

    def describe(self):
        return f"Creates the search functions of {self.model_name}.{', '.join(self.fields)}"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name.lower()}_search_functions"


_functions: dict[tuple[str, str], frozenset[str]] = {}
CONTAINS_PATTERN = "text_contains_pattern"  # tenants migration 0017


def _existing_functions(connection) -> frozenset[str]:
    """The search functions this database has (asked once per database and process)."""
    key = (connection.alias, connection.settings_dict["NAME"])
    if key not in _functions:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
                "AND (proname LIKE %s OR proname LIKE %s OR proname = %s)",
                [f"%\\_ids\\_{CONTAINING}", f"%\\_ids\\_{NEAR}", CONTAINS_PATTERN],
            )
            _functions[key] = frozenset(name for (name,) in cursor.fetchall())
    return _functions[key]


def like_pattern(term: str) -> str:
    """``%term%`` with LIKE's wildcards in ``term`` escaped, as ``icontains`` writes it."""
    return f"%{connections['default'].ops.prep_for_like_query(term)}%"


def matching_ids(model, fields: list[str], term: str, *, near: bool = False, cap: int | None = None):
    """The ids of the current tenant's ``model`` rows where a field contains ``term`` (or, ``near``, has
    a word close to it), through the search functions and so the trigram indexes; sorted.

    None when the caller must filter in its own query instead: a field without a search function (a
    related field, a database not migrated yet), or more than ``cap`` rows matching a field (a common
    term: walking the caller's ordered index finds a page sooner than fetching every id would; see
    :func:`contains_common_term`)."""
    connection = connections["default"]
    existing = _existing_functions(connection)
    selects, params = [], []
    for field in fields:
        if "__" in field:
            return None
        column = model._meta.get_field(field).column
        name = search_function(model._meta.db_table, column, NEAR if near else CONTAINING)
        if name not in existing:
            return None
        # The name is one of the database's own functions (existing), never the caller's text.
        selects.append(f"SELECT %s, id FROM {name}(%s, %s) AS id")  # noqa: S608
        params += [field, term if near else like_pattern(term), None if cap is None else cap + 1]
    per_field: dict[str, int] = {}
    ids = set()
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        for field, pk in cursor.fetchall():
            per_field[field] = per_field.get(field, 0) + 1
            ids.add(pk)
    if cap is not None and any(count > cap for count in per_field.values()):
        return None
    return sorted(ids)


def icontains(fields: list[str], term: str) -> Q:
    """Rows where a field contains ``term``, matched in the query itself (where :func:`matching_ids`
    answers None)."""
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": term})
    return match


def contains_common_term(fields: list[str], term: str) -> Q:
    """:func:`icontains` for a term :func:`matching_ids` found in many rows, through
    ``text_contains_pattern`` (the same LIKE): the planner guesses it matches a third of the rows where
    it guesses a handful for LIKE under RLS, so an ordered list walks its index until a page is full
    instead of sorting every match (4 s for "kitchen" in a million tickets)."""
    if CONTAINS_PATTERN not in _existing_functions(connections["default"]):
        return icontains(fields, term)
    pattern = Value(like_pattern(term))
    match = Q()
    for field in fields:
        match |= Q(Func(F(field), pattern, function=CONTAINS_PATTERN, output_field=BooleanField()))
    return match


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

    The matching rows are found through the search functions (:func:`matching_ids`, the trigram
    indexes), then ranked; a term in more than BEST_MATCHES_CAP rows of a field (or fields without
    search functions) is matched in the query itself, row by row over the tenant's rows. Two passes, and
    the second only when asked, because that row-by-row word-similarity check costs several times the
    substring one."""
    model = queryset.model
    rows = queryset.alias(**upper_aliases(fields))
    if near:
        if not trigram_installed():
            return []
        ids = matching_ids(model, fields, term, near=True, cap=BEST_MATCHES_CAP)
        if ids is None:
            close = Q()
            for field in fields:
                close |= Q(**{f"{_alias(field)}__{TrigramWordSimilar.lookup_name}": term})
        else:
            close = Q(pk__in=ids)
        ranked = rows.filter(close).annotate(search_rank=match_rank(fields, term))
        return list(ranked.order_by(*order_first, "-search_rank", *order_last)[:limit])
    ids = matching_ids(model, fields, term, cap=BEST_MATCHES_CAP)
    contains = icontains(fields, term) if ids is None else Q(pk__in=ids)
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
