"""From a parsed query to what must be read: views inlined, catalog tables resolved, their
partitions pruned and their files listed, each table reference replaced by a DuckDB relation
name (``__lh_rel_<n>``, registered by ``relations``).

Pruning uses the conditions of the WHERE clause around a table reference that mention only that
table's partition columns (qualified by its alias, or unqualified when it is the only table of
its SELECT) and nothing that varies per row or per query: no subqueries, aggregates, windows or
random functions. They are the only conditions Athena prunes with too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlglot import exp

from lakehose.services.athena.ports import ObjectStorePort
from lakehose.services.athena.sql import pseudo_columns
from lakehose.services.athena.sql.catalog import CatalogTable, Column, Resolver, table_parts
from lakehose.services.athena.sql.errors import (
    INVALID_VIEW,
    TABLE_NOT_FOUND,
    QueryFailed,
    position_in,
)
from lakehose.services.athena.sql.files import DataFile, list_files, list_files_of
from lakehose.services.athena.sql.functions import rewrite_functions
from lakehose.services.athena.sql.partitions import (
    PARTITIONS_SUFFIX,
    Evaluator,
    Partition,
    glue_partitions,
    partition_rows_sql,
    prune,
)
from lakehose.services.athena.sql.projection import Projection
from lakehose.services.athena.sql.translate import fix_types, node_offset, parse, to_duckdb

_MAX_VIEW_DEPTH = 16
_VOLATILE = (exp.Subquery, exp.Select, exp.AggFunc, exp.Window, exp.Rand, exp.Uuid)


@dataclass
class Scan:
    """One catalog table reference to read into a relation."""

    table: CatalogTable
    relation: str
    columns: list[Column]  # the data columns the query uses
    files: list[tuple[DataFile, tuple[str, ...]]] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)  # "$path" and the like, when used


@dataclass
class Planner:
    resolver: Resolver
    store: ObjectStorePort
    query: str
    now: datetime
    evaluator: Callable[[], Evaluator]
    check: Callable[[str, exp.Expr], None]
    list_files: bool = True  # False plans the query's shape only (CREATE VIEW, WITH NO DATA)
    _tables: dict[tuple[str, str], CatalogTable] = field(default_factory=dict)

    def plan(self, tree: exp.Expr) -> list[Scan]:
        """Rewrite ``tree`` in place to read relations; return what to put in them."""
        self._partition_tables(tree)
        self._inline_views(tree)
        self._unqualify_columns(tree)
        names, star = _referenced(tree)
        hidden = pseudo_columns.used(names)
        scans: list[Scan] = []
        aliases: dict[str, list[str]] = {}
        for node in list(_named_tables(tree)):
            table = self._table(node)
            relation = f"__lh_rel_{len(scans)}"
            columns = [c for c in table.columns if star or c.name in names]
            scan = Scan(table, relation, columns, hidden=hidden)
            if self.list_files:
                self._list(scan, node)
            aliases[_alias(node).name.lower()] = hidden
            _replace(node, relation)
            scans.append(scan)
        if hidden:
            pseudo_columns.hide_from_stars(tree, aliases)
        return scans

    # -- tables and views --------------------------------------------------------------------

    def _position(self, node: exp.Expr) -> tuple[int, int] | None:
        offset = node_offset(node)
        return position_in(self.query, offset) if offset is not None else None

    def _table(self, node: exp.Table) -> CatalogTable:
        parts = table_parts(node)
        position = self._position(node)
        key = self.resolver.split(parts, position)
        if key not in self._tables:
            self._tables[key] = self.resolver.lookup(*key, position)
        return self._tables[key]

    def _inline_views(self, tree: exp.Expr) -> None:
        for _ in range(_MAX_VIEW_DEPTH):
            views = [(n, self._table(n)) for n in _named_tables(tree)]
            views = [(n, t) for n, t in views if t.is_view]
            if not views:
                return
            for node, view in views:
                sql, schema = view.view_sql()
                body = parse(sql)[0]
                self.check(sql, body)
                # A view's unqualified tables are in the view's schema, not the query's.
                for inner in list(_named_tables(body)):
                    if len(inner.parts) == 1:
                        inner.set("db", exp.to_identifier(schema or view.database))
                node.replace(exp.Subquery(this=body, alias=_alias(node)))
        raise QueryFailed(INVALID_VIEW, "View is recursive or nested too deeply")

    def _partition_tables(self, tree: exp.Expr) -> None:
        """``"table$partitions"``: the table's Glue partitions as rows, one column a key."""
        for node in list(_named_tables(tree)):
            if not node.name.lower().endswith(PARTITIONS_SUFFIX):
                continue
            parts = table_parts(node)
            parts[-1] = parts[-1][: -len(PARTITIONS_SUFFIX)]
            position = self._position(node)
            table = self.resolver.lookup(*self.resolver.split(parts, position), position)
            if not table.partition_keys:
                raise QueryFailed(
                    TABLE_NOT_FOUND,
                    f"Table '{table.qualified}{PARTITIONS_SUFFIX}' does not exist",
                    position=position,
                )
            rows = [p.values for p in glue_partitions(self.resolver.catalog, table)]
            body = parse(partition_rows_sql(table.partition_keys, rows))[0]
            node.replace(exp.Subquery(this=body, alias=_alias(node)))

    def _unqualify_columns(self, tree: exp.Expr) -> None:
        """``schema.table.column`` (and ``catalog.schema.table.column``) naming a table the
        query reads without an alias becomes ``table.column``, which is what the relation
        that replaces the table answers to (SQLAlchemy Core writes such references)."""
        unaliased = {
            self.resolver.split(table_parts(node), None)
            for node in _named_tables(tree)
            if not node.alias
        }
        for column in list(tree.find_all(exp.Column)):
            if not column.args.get("db"):
                continue
            qualifier = [part.name for part in column.parts[:-1]]
            try:
                named = self.resolver.split(qualifier, None)
            except QueryFailed:
                continue  # a struct field path (``dynamodb.newimage.id.s``), not a table
            if named in unaliased:
                column.set("db", None)
                column.set("catalog", None)

    # -- partitions and files ----------------------------------------------------------------

    def _list(self, scan: Scan, node: exp.Table) -> None:
        table = scan.table
        if not table.partition_keys:
            scan.files = [(f, ()) for f in list_files(self.store, table.location)]
            return
        conditions = _partition_conditions(node, table)
        sql = [_condition_sql(c, self.now) for c in conditions]
        projection = Projection.of_table(
            table.parameters, [k.name for k in table.partition_keys], table.location
        )
        if projection is not None:
            fixed = _fixed_values(conditions)
            candidates = [
                Partition(values, projection.location(values))
                for values in projection.partitions(fixed, self.now, table.qualified)
            ]
        else:
            candidates = glue_partitions(self.resolver.catalog, table)
        kept = self._prune(table, candidates, sql)
        files = list_files_of(self.store, [partition.location for partition in kept])
        for partition in kept:
            scan.files.extend(
                (data_file, partition.values) for data_file in files[partition.location]
            )

    def _prune(
        self, table: CatalogTable, candidates: list[Partition], sql: list[str]
    ) -> list[Partition]:
        if not sql or not candidates:
            return candidates
        try:
            return prune(table, candidates, sql, self.evaluator())
        except QueryFailed:
            raise
        except Exception:
            # A condition DuckDB cannot evaluate on the partition values alone: read them
            # all and let the query itself report the problem, as it will.
            return candidates


def _referenced(tree: exp.Expr) -> tuple[set[str], bool]:
    """Every name a column reference uses (lower-case), and whether any ``*`` appears."""
    names: set[str] = set()
    star = False
    for node in tree.walk():
        if isinstance(node, exp.Star):
            star = True
        elif isinstance(node, exp.Column):
            names.update(part.name.lower() for part in node.parts)
        elif isinstance(node, exp.Identifier):
            names.add(node.name.lower())  # USING (col), struct field names, and the like
    return names, star


def _named_tables(tree: exp.Expr) -> Iterator[exp.Table]:
    """The references to catalog tables: named tables that are not the query's own CTEs."""
    ctes = {cte.alias.lower() for cte in tree.find_all(exp.CTE)}
    for node in tree.find_all(exp.Table):
        if not node.name:
            continue  # UNNEST and other table-like expressions carry no name
        if len(node.parts) == 1 and node.name.lower() in ctes:
            continue
        yield node


def _alias(node: exp.Table) -> exp.Expr:
    """The reference's alias, or its name as one, so that ``t.col`` keeps resolving."""
    alias: exp.Expr = node.args.get("alias") or exp.TableAlias(
        this=exp.to_identifier(node.name, quoted=True)
    )
    return alias


def _replace(node: exp.Table, relation: str) -> None:
    node.replace(exp.Table(this=exp.to_identifier(relation, quoted=True), alias=_alias(node)))


def _conjuncts(condition: exp.Expr) -> list[exp.Expr]:
    return list(condition.flatten()) if isinstance(condition, exp.And) else [condition]


def _partition_conditions(node: exp.Table, table: CatalogTable) -> list[exp.Expr]:
    select = node.find_ancestor(exp.Select)
    where = select.args.get("where") if select is not None else None
    if select is None or where is None:
        return []
    alias = (node.alias or node.name).lower()
    alone = not select.args.get("joins")
    keys = {k.name for k in table.partition_keys}

    def owned(column: exp.Column) -> bool:
        qualifier = column.table.lower()
        return column.name.lower() in keys and (qualifier == alias or (not qualifier and alone))

    found = []
    for conjunct in _conjuncts(where.this):
        columns = list(conjunct.find_all(exp.Column))
        if columns and all(owned(c) for c in columns) and not conjunct.find(*_VOLATILE):
            found.append(conjunct)
    return found


def _condition_sql(condition: exp.Expr, now: datetime) -> str:
    copy = condition.copy()
    for column in copy.find_all(exp.Column):
        column.replace(exp.column(column.name.lower(), quoted=True))
    return to_duckdb(fix_types(rewrite_functions(copy, now), now))


def _fixed_values(conditions: list[exp.Expr]) -> dict[str, list[str]]:
    """Values conditions fix by equality or IN, per partition column."""
    fixed: dict[str, list[str]] = {}
    for condition in conditions:
        if isinstance(condition, exp.EQ):
            sides = [condition.this, condition.expression]
            columns = [s for s in sides if isinstance(s, exp.Column)]
            literals = [s for s in sides if isinstance(s, exp.Literal)]
            if len(columns) == 1 and len(literals) == 1:
                fixed.setdefault(columns[0].name.lower(), []).append(literals[0].name)
        elif isinstance(condition, exp.In) and isinstance(condition.this, exp.Column):
            values = condition.expressions
            if values and all(isinstance(v, exp.Literal) for v in values):
                fixed.setdefault(condition.this.name.lower(), []).extend(v.name for v in values)
    return fixed
