"""Trino functions whose DuckDB spelling sqlglot does not produce, or produces with other
semantics. Each rewrite maps one parsed Trino node to the DuckDB expression that behaves as
Trino does; ``MACROS`` are created on every query connection for the longer ones.

=========================  =====================================================================
Trino                      DuckDB
=========================  =====================================================================
format_datetime(t, joda)   strftime(t, <joda as strftime>)
parse_datetime(s, joda)    CAST(strptime(s, <joda as strftime>) AS TIMESTAMPTZ)
approx_distinct(x)         count(DISTINCT x): exact, which is within any error bound
approx_percentile(x, p)    quantile_disc(x, p): an exact element of x, as Trino returns
json_extract_scalar(j, p)  lh_json_extract_scalar: NULL for objects, arrays and invalid JSON
map_agg(k, v)              lh_map_agg(list({key, value})): NULL keys dropped, first value kept
width_bucket(x, l, h, n)   lh_width_bucket: 0 below l, n + 1 at or above h
date_diff(unit, a, b)      date_sub(unit, a, b): whole units elapsed, not boundaries crossed
slice(a, start, length)    array_slice(a, start, start + length - 1)
cardinality(x)             len(x)
ROW(a, b)                  row(a, b): an unnamed row, rendered {a, b}
current_timestamp, now()   the query's start time (the engine's clock), as Trino fixes it
=========================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlglot import exp

from lakehose.services.athena.sql.datetime_patterns import UnsupportedPattern, joda_to_strftime
from lakehose.services.athena.sql.errors import (
    INVALID_FUNCTION_ARGUMENT,
    NOT_SUPPORTED,
    QueryFailed,
)

MACROS = (
    "CREATE MACRO lh_json_extract_scalar(j, p) AS CASE WHEN j IS NULL OR NOT json_valid(j) "
    "THEN NULL WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') THEN NULL "
    "ELSE json_extract_string(j, p) END",
    "CREATE MACRO lh_map_agg(entries) AS map_from_entries(list_filter(entries, lambda e, i: "
    "list_position(list_transform(entries, lambda x: x.key), e.key) = i))",
    "CREATE MACRO lh_width_bucket(x, low, high, n) AS CASE WHEN x IS NULL THEN NULL "
    "WHEN CAST(x AS DOUBLE) < low THEN 0 WHEN CAST(x AS DOUBLE) >= high THEN n + 1 "
    "ELSE CAST(floor((CAST(x AS DOUBLE) - low) * n / (high - low)) AS BIGINT) + 1 END",
)


def _call(name: str, *args: exp.Expr) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _pattern(node: exp.Expr, function: str) -> exp.Literal:
    """A Joda pattern argument, converted; it must be a literal to be converted ahead."""
    if not isinstance(node, exp.Literal) or not node.is_string:
        raise QueryFailed(NOT_SUPPORTED, f"{function} needs a literal pattern")
    try:
        return exp.Literal.string(joda_to_strftime(node.name))
    except UnsupportedPattern as error:
        raise QueryFailed(INVALID_FUNCTION_ARGUMENT, str(error)) from None


def _format_datetime(node: exp.Anonymous) -> exp.Expr:
    value, pattern = node.expressions
    return _call("STRFTIME", value, _pattern(pattern, "format_datetime"))


def _parse_datetime(node: exp.Expr) -> exp.Expr:
    pattern = _pattern(node.args["format"], "parse_datetime")
    parsed = _call("STRPTIME", node.this, pattern)
    return exp.cast(parsed, exp.DataType.build("TIMESTAMPTZ"))


def _approx_distinct(node: exp.Expr) -> exp.Expr:
    return exp.Count(this=exp.Distinct(expressions=[node.this]))


def _approx_percentile(node: exp.Expr) -> exp.Expr:
    if node.args.get("accuracy") is not None or node.args.get("weight") is not None:
        raise QueryFailed(NOT_SUPPORTED, "approx_percentile with weights or accuracy")
    return _call("QUANTILE_DISC", node.this, node.args["quantile"])


def _json_extract_scalar(node: exp.Expr) -> exp.Expr:
    return _call("lh_json_extract_scalar", node.this, node.expression)


def _map_agg(node: exp.Anonymous) -> exp.Expr:
    key, value = node.expressions
    entry = exp.Struct(
        expressions=[
            exp.PropertyEQ(this=exp.to_identifier("key"), expression=key),
            exp.PropertyEQ(this=exp.to_identifier("value"), expression=value),
        ]
    )
    entries = exp.Filter(
        this=_call("LIST", entry),
        expression=exp.Where(this=exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null()))),
    )
    return _call("lh_map_agg", entries)


def _width_bucket(node: exp.Expr) -> exp.Expr:
    args = [node.this, node.args.get("min_value"), node.args.get("max_value")]
    count = node.args.get("num_buckets")
    if any(a is None for a in args) or count is None:
        raise QueryFailed(NOT_SUPPORTED, "width_bucket with an array of bins")
    return _call("lh_width_bucket", *[a for a in args if a is not None], count)


def _date_diff(node: exp.Expr) -> exp.Expr:
    unit = node.args.get("unit")
    name = unit.name if unit is not None else "DAY"
    return _call("DATE_SUB", exp.Literal.string(name.upper()), node.expression, node.this)


def _slice(node: exp.Expr) -> exp.Expr:
    start, length = node.args.get("start"), node.args.get("end")
    if start is None or length is None:
        return node
    end = exp.Sub(
        this=exp.Add(this=start.copy(), expression=length), expression=exp.Literal.number(1)
    )
    return _call("ARRAY_SLICE", node.this, start, end)


def _cardinality(node: exp.Expr) -> exp.Expr:
    return _call("LEN", node.this)


def _row(node: exp.Struct) -> exp.Expr:
    if any(isinstance(e, (exp.PropertyEQ, exp.Alias)) for e in node.expressions):
        return node  # a named struct literal (not Trino syntax, but harmless)
    return _call("ROW", *node.expressions)


Rewrite = Callable[[exp.Expr], exp.Expr]
_BY_NAME: dict[str, Rewrite] = {
    "FORMAT_DATETIME": _format_datetime,  # type: ignore[dict-item]
    "MAP_AGG": _map_agg,  # type: ignore[dict-item]
}
_BY_TYPE: dict[type[exp.Expr], Rewrite] = {
    exp.ParseDatetime: _parse_datetime,
    exp.ApproxDistinct: _approx_distinct,
    exp.ApproxQuantile: _approx_percentile,
    exp.JSONExtractScalar: _json_extract_scalar,
    exp.WidthBucket: _width_bucket,
    exp.DateDiff: _date_diff,
    exp.ArraySlice: _slice,
    exp.ArraySize: _cardinality,
    exp.Struct: _row,  # type: ignore[dict-item]
}


def rewrite_functions(expression: exp.Expr, now: datetime) -> exp.Expr:
    """Every Trino function node of the tree in its DuckDB form (see the module table)."""

    def visit(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Anonymous):
            rewrite = _BY_NAME.get(node.name.upper())
            return rewrite(node) if rewrite else node
        if isinstance(node, (exp.CurrentTimestamp, exp.Localtimestamp, exp.CurrentDate)):
            return _clock_literal(node, now)
        rewrite = _BY_TYPE.get(type(node))
        return rewrite(node) if rewrite else node

    return expression.transform(visit, copy=False)


def _clock_literal(node: exp.Expr, now: datetime) -> exp.Expr:
    """``current_timestamp`` & co. as constants of the query's start (Trino evaluates them
    once per query; taking them from the engine's clock keeps time injectable)."""
    millis = now.replace(microsecond=now.microsecond // 1000 * 1000, tzinfo=None)
    text = exp.Literal.string(millis.isoformat(sep=" ", timespec="milliseconds"))
    if isinstance(node, exp.CurrentDate):
        return exp.cast(exp.Literal.string(millis.date().isoformat()), exp.DataType.build("DATE"))
    target = "TIMESTAMP" if isinstance(node, exp.Localtimestamp) else "TIMESTAMPTZ"
    return exp.cast(text, exp.DataType.build(target))
