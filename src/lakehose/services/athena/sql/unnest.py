"""Trino's UNNEST and FETCH FIRST ... WITH TIES in DuckDB's terms.

UNNEST in FROM takes several arrays (zipped, the shorter ones padded with NULL), maps (a key
and a value column), arrays of rows (a column per field) and WITH ORDINALITY. DuckDB's
``UNNEST`` in a select list zips the same way, so ``UNNEST(a, m) WITH ORDINALITY AS t(x, k, v,
n)`` becomes a subquery (correlated, which DuckDB joins laterally)::

    (SELECT e0 AS x, e1.key AS k, e1.value AS v, n FROM
        (SELECT UNNEST(a) AS e0, UNNEST(map_entries(m)) AS e1,
                UNNEST(range(1, greatest(len(a), cardinality(m)) + 1)) AS n)) AS t(x, k, v, n)

Which argument is a map, or an array of rows, is known only from how it is written (a ``MAP``
constructor or map function; ``ARRAY[ROW(...)]``); otherwise an argument given more columns
than one is taken as an array of rows (see docs/deviations.md).

``FETCH FIRST n ROWS WITH TIES`` keeps the rows ranked within the first n by the ORDER BY:
``QUALIFY rank() OVER (ORDER BY ...) <= n``.
"""

from __future__ import annotations

from datetime import datetime

from sqlglot import exp

from lakehose.services.athena.sql.errors import NOT_SUPPORTED, QueryFailed
from lakehose.services.athena.sql.sqlnodes import call, number

_MAPS = (exp.Map, exp.VarMap, exp.MapFromEntries)
_MAP_FUNCTIONS = (
    "MAP_FILTER",
    "TRANSFORM_KEYS",
    "TRANSFORM_VALUES",
    "MAP_ZIP_WITH",
    "MAP_CONCAT",
    "MULTIMAP_FROM_ENTRIES",
)


def _is_map(node: exp.Expr) -> bool:
    return isinstance(node, _MAPS) or (
        isinstance(node, exp.Anonymous) and node.name.upper() in _MAP_FUNCTIONS
    )


def _row_width(node: exp.Expr) -> int | None:
    """The field count of an ``ARRAY[ROW(...), ...]`` literal's rows."""
    if isinstance(node, exp.Array) and node.expressions:
        first = node.expressions[0]
        if isinstance(first, (exp.Struct, exp.Tuple)):
            return len(first.expressions)
        if isinstance(first, exp.Anonymous) and first.name.upper() == "ROW":
            return len(first.expressions)
    return None


def _widths(arguments: list[exp.Expr], columns: int) -> list[int]:
    widths: list[int | None] = [2 if _is_map(a) else _row_width(a) for a in arguments]
    if columns == len(arguments) and all(w in (None, 1) for w in widths):
        return [1] * len(arguments)
    unknown = [i for i, w in enumerate(widths) if w is None]
    known = sum(w for w in widths if w is not None)
    if len(unknown) == 1:
        widths[unknown[0]] = columns - known
    elif not unknown:
        pass
    else:
        widths = [w if w is not None else 1 for w in widths]
    result = [w for w in widths if w is not None]
    if sum(result) != columns or any(w < 1 for w in result):
        raise QueryFailed(
            NOT_SUPPORTED,
            "UNNEST whose arguments' columns cannot be told from how they are written",
        )
    return result


def _unnest(node: exp.Unnest) -> exp.Expr:
    arguments = list(node.expressions)
    alias = node.args.get("alias")
    names = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
    ordinality = node.args.get("offset")
    if isinstance(ordinality, exp.Identifier):
        names.append(ordinality.name)
    elif ordinality:
        names.append(f"_col{len(names)}")
    count = len(names) - (1 if ordinality else 0)
    if not names:
        count = len(arguments)
        names = [f"_col{i}" for i in range(count)]
    widths = _widths(arguments, count)
    inner: list[exp.Expr] = []
    outer: list[exp.Expr] = []
    position = 0
    for index, (argument, width) in enumerate(zip(arguments, widths, strict=True)):
        element = f"__lh_e{index}"
        source = call("MAP_ENTRIES", argument.copy()) if _is_map(argument) else argument.copy()
        inner.append(exp.alias_(call("UNNEST", source), element, quoted=True))
        for field in range(width):
            value: exp.Expr = exp.column(element, quoted=True)
            if width > 1:
                value = call("STRUCT_EXTRACT_AT", value, number(field + 1))
            outer.append(exp.alias_(value, names[position], quoted=True))
            position += 1
    if ordinality:
        sizes = [call("CARDINALITY" if _is_map(a) else "LEN", a.copy()) for a in arguments]
        longest = sizes[0] if len(sizes) == 1 else call("GREATEST", *sizes)
        steps = call("RANGE", number(1), exp.Add(this=longest, expression=number(1)))
        inner.append(exp.alias_(call("UNNEST", steps), "__lh_ordinal", quoted=True))
        outer.append(exp.alias_(exp.column("__lh_ordinal", quoted=True), names[-1], quoted=True))
    elements = exp.Select(expressions=inner)
    rows = exp.Select(expressions=outer).from_(exp.Subquery(this=elements))
    table_alias = exp.TableAlias(
        this=exp.to_identifier(
            alias.name if isinstance(alias, exp.TableAlias) and alias.name else "_unnest"
        ),
        columns=[exp.to_identifier(n, quoted=True) for n in names],
    )
    return exp.Subquery(this=rows, alias=table_alias)


def _with_ties(select: exp.Select) -> None:
    fetch = select.args.get("limit")
    if not isinstance(fetch, exp.Fetch):
        return
    options = fetch.args.get("limit_options")
    if not (isinstance(options, exp.LimitOptions) and options.args.get("with_ties")):
        return
    order = select.args.get("order")
    if not isinstance(order, exp.Order):
        raise QueryFailed(NOT_SUPPORTED, "FETCH FIRST WITH TIES without ORDER BY")
    count = fetch.args.get("count") or number(1)
    rank = exp.Window(this=call("RANK"), order=order.copy())
    select.set("limit", None)
    select.set("qualify", exp.Qualify(this=exp.LTE(this=rank, expression=count.copy())))


def relations(expression: exp.Expr, now: datetime) -> exp.Expr:
    """UNNEST in FROM and FETCH FIRST WITH TIES rewritten for DuckDB (see the module text)."""
    for node in list(expression.find_all(exp.Unnest)):
        if isinstance(node.parent, (exp.From, exp.Join)):
            node.replace(_unnest(node))
    for select in list(expression.find_all(exp.Select)):
        _with_ties(select)
    return expression
