"""What row-based sharding by ``tenant_id`` (Citus) would need from the schema, read from the live catalog.

Citus distributes a table by one column and co-locates the tables distributed by the same column, so a
tenant's rows of every table sit on one node. That asks four things of each tenant-owned table:

* it has a ``tenant_id`` column (or it is small and shared, and becomes a *reference table*, copied to
  every node: the tenants themselves, users, Django's own tables);
* its primary key includes ``tenant_id`` (a distributed table's unique indexes must hold the
  distribution column, or no node alone can enforce them);
* every other unique constraint or unique index includes ``tenant_id``, for the same reason;
* every foreign key to another tenant-owned table includes ``tenant_id`` on both sides (Citus accepts a
  foreign key between distributed tables only when it joins on the distribution column; one to a
  reference table is fine).

:func:`sharding_gaps` lists what stands in the way today; the scale benchmark prints it and
docs/scaling.md explains it.
"""

from __future__ import annotations

from dataclasses import dataclass

TENANT_COLUMN = "tenant_id"

NO_TENANT_COLUMN = "no tenant_id (a reference table, or it needs one)"
PRIMARY_KEY = "primary key without tenant_id"
UNIQUE = "unique constraint or index without tenant_id"
FOREIGN_KEY = "foreign key to a tenant table without tenant_id"
KINDS = (NO_TENANT_COLUMN, PRIMARY_KEY, UNIQUE, FOREIGN_KEY)


@dataclass(frozen=True, order=True)
class Gap:
    kind: str
    table: str
    detail: str  # the constraint or index, and its columns


# Every table of the schema with whether it has tenant_id.
TABLES = """
    SELECT c.relname, EXISTS (
        SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = %(column)s AND NOT a.attisdropped
    )
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname
"""

# Primary keys, unique constraints and unique indexes (a unique constraint is also an index: one row each).
UNIQUE_INDEXES = """
    SELECT t.relname, i.relname, ix.indisprimary,
           ARRAY(SELECT a.attname FROM unnest(ix.indkey) k JOIN pg_attribute a
                 ON a.attrelid = t.oid AND a.attnum = k)::text[],
           ix.indexprs IS NOT NULL
    FROM pg_index ix
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_class i ON i.oid = ix.indexrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND ix.indisunique AND t.relkind IN ('r', 'p')
    ORDER BY t.relname, i.relname
"""

FOREIGN_KEYS = """
    SELECT src.relname, con.conname, dst.relname,
           ARRAY(SELECT a.attname FROM unnest(con.conkey) k JOIN pg_attribute a
                 ON a.attrelid = con.conrelid AND a.attnum = k)::text[],
           ARRAY(SELECT a.attname FROM unnest(con.confkey) k JOIN pg_attribute a
                 ON a.attrelid = con.confrelid AND a.attnum = k)::text[]
    FROM pg_constraint con
    JOIN pg_class src ON src.oid = con.conrelid
    JOIN pg_class dst ON dst.oid = con.confrelid
    JOIN pg_namespace n ON n.oid = src.relnamespace
    WHERE n.nspname = current_schema() AND con.contype = 'f'
    ORDER BY src.relname, con.conname
"""


def sharding_gaps(cursor) -> list[Gap]:
    """Every gap between the current schema and co-located sharding by tenant_id, sorted by kind and table.

    ``cursor`` is any DB-API cursor on the database (Django's or psycopg2's)."""
    cursor.execute(TABLES, {"column": TENANT_COLUMN})
    has_tenant = dict(cursor.fetchall())
    gaps = [Gap(NO_TENANT_COLUMN, table, "") for table, tenant in has_tenant.items() if not tenant]

    cursor.execute(UNIQUE_INDEXES)
    for table, index, is_primary, columns, on_expression in cursor.fetchall():
        if not has_tenant.get(table) or TENANT_COLUMN in columns:
            continue
        described = f"{index} ({', '.join(columns)}{', an expression' if on_expression else ''})"
        gaps.append(Gap(PRIMARY_KEY if is_primary else UNIQUE, table, described))

    cursor.execute(FOREIGN_KEYS)
    for table, constraint, target, columns, target_columns in cursor.fetchall():
        # Only between two tenant tables: a reference table (no tenant_id) can be pointed at freely.
        if not (has_tenant.get(table) and has_tenant.get(target)):
            continue
        if TENANT_COLUMN in columns and TENANT_COLUMN in target_columns:
            continue
        if columns == [TENANT_COLUMN]:  # the tenant_id column itself pointing at tenants_tenant.id
            continue
        described = f"{constraint} ({', '.join(columns)}) -> {target} ({', '.join(target_columns)})"
        gaps.append(Gap(FOREIGN_KEY, table, described))
    return sorted(gaps, key=lambda gap: (KINDS.index(gap.kind), gap.table, gap.detail))


def report(gaps: list[Gap]) -> list[str]:
    """The gaps as printable lines: a count per kind, then each table and what it lacks."""
    lines = []
    for kind in KINDS:
        of_kind = [gap for gap in gaps if gap.kind == kind]
        lines.append(f"{kind}: {len(of_kind)}")
        if kind in (NO_TENANT_COLUMN, PRIMARY_KEY):  # one line per table would say the same 100 times
            tables = [gap.table if kind == NO_TENANT_COLUMN else f"{gap.table} {gap.detail.split(' ', 1)[1]}"
                      for gap in of_kind]  # fmt: skip
            lines += [f"    {', '.join(tables[i : i + 6])}" for i in range(0, len(tables), 6)]
        else:
            lines += [f"    {gap.table}: {gap.detail}" for gap in of_kind]
    return lines
