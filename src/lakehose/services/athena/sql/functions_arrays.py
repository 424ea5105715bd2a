"""Trino's array functions where DuckDB's list functions differ (see ``functions``).

=============================  ===============================================================
Trino                          DuckDB
=============================  ===============================================================
array_sort(a, comparator)      each element placed by its rank under the comparator
sequence(start, stop[, step])  generate_series after Trino's checks (direction, zero step,
                               10,000 entries); a date sequence stays array(date)
reduce(a, s, input, output)    output applied to list_reduce(a, input, s)
zip(a, b, ...)                 rows of the i-th elements, NULL-padded to the longest array
array_position(a, x)           bigint, 0 when absent
a[i]                           an error past the end (element_at is the NULL-returning form)
trim_array, array_histogram,   built from list_* functions
contains_sequence, ngrams
=============================  ===============================================================
"""

from __future__ import annotations

import itertools

from sqlglot import exp

from lakehose.services.athena.sql.errors import INVALID_FUNCTION_ARGUMENT, NOT_SUPPORTED, QueryFailed
from lakehose.services.athena.sql.sqlnodes import (
    apply,
    call,
    cast,
    fail,
    lam,
    number,
    ref,
    string,
    when,
)

# Trino refuses a sequence longer than this.
MAX_SEQUENCE = 10000
_names = itertools.count()


def fresh() -> str:
    """A lambda parameter name no user expression can hold (the sandbox refuses ``__lh``)."""
    return f"__lh_v{next(_names)}"


def _length(array: exp.Expr) -> exp.Expr:
    return call("LEN", array.copy())


def _at(array: exp.Expr, index: exp.Expr) -> exp.Expr:
    return call("LIST_EXTRACT", array.copy(), index)


def array_sort(node: exp.Expr) -> exp.Expr:
    comparator = node.args.get("expression")
    array = node.this
    if comparator is None:
        return call("LIST_SORT", array, string("ASC"), string("NULLS LAST"))
    if not isinstance(comparator, exp.Lambda):
        raise QueryFailed(NOT_SUPPORTED, "array_sort with a comparator that is not a lambda")
    i, j, k = fresh(), fresh(), fresh()

    def compare(first: str, second: str) -> exp.Expr:
        return apply(comparator, _at(array, ref(first)), _at(array, ref(second)))

    before = exp.or_(
        exp.LT(this=compare(j, i), expression=number(0)),
        exp.and_(
            exp.EQ(this=compare(j, i), expression=number(0)),
            exp.LT(this=ref(j), expression=ref(i)),
        ),
    )
    positions = call("RANGE", number(1), exp.Add(this=_length(array), expression=number(1)))
    rank = call("LEN", call("LIST_FILTER", positions.copy(), lam([j], before)))
    ranks = call("LIST_TRANSFORM", positions.copy(), lam([i], rank))
    placed = _at(array, call("LIST_POSITION", ranks, ref(k)))
    return call("LIST_TRANSFORM", call("RANGE", _length(array)), lam([k], placed))


def _temporal(node: exp.Expr) -> bool:
    if isinstance(node, exp.Cast):
        return node.to.is_type(*exp.DataType.TEMPORAL_TYPES)
    return isinstance(node, (exp.Interval, exp.CurrentDate, exp.CurrentTimestamp, exp.TsOrDsToDate))


def _is_date(node: exp.Expr) -> bool:
    return (isinstance(node, exp.Cast) and node.to.is_type("date")) or isinstance(
        node, (exp.CurrentDate, exp.TsOrDsToDate)
    )


def _sequence_error(text: str) -> exp.Expr:
    return fail(INVALID_FUNCTION_ARGUMENT, string(text))


def sequence(node: exp.Expr) -> exp.Expr:
    start, stop, step = node.args["start"], node.args["end"], node.args.get("step")
    temporal = _temporal(start) or _temporal(stop) or (step is not None and _temporal(step))
    if step is None:
        if temporal:
            step = exp.Interval(this=string("1"), unit=exp.Var(this="DAY"))
            zero: exp.Expr = exp.Interval(this=string("0"), unit=exp.Var(this="DAY"))
            step = when(
                exp.LTE(this=start.copy(), expression=stop.copy()),
                step,
                exp.Interval(this=string("-1"), unit=exp.Var(this="DAY")),
            )
        else:
            step = when(
                exp.LTE(this=start.copy(), expression=stop.copy()), number(1), number(-1)
            )
    zero = exp.Interval(this=string("0"), unit=exp.Var(this="DAY")) if temporal else number(0)
    series: exp.Expr = call("GENERATE_SERIES", start.copy(), stop.copy(), step.copy())
    if temporal and (_is_date(start) or _is_date(stop)):
        series = cast(series, "DATE[]")
    checks = [
        (exp.EQ(this=step.copy(), expression=zero.copy()), "step must not be zero"),
        (
            exp.or_(
                exp.and_(
                    exp.GT(this=step.copy(), expression=zero.copy()),
                    exp.GT(this=start.copy(), expression=stop.copy()),
                ),
                exp.and_(
                    exp.LT(this=step.copy(), expression=zero.copy()),
                    exp.LT(this=start.copy(), expression=stop.copy()),
                ),
            ),
            "sequence stop value should be greater than or equal to start value if step is "
            "greater than zero otherwise stop should be less than or equal to start",
        ),
    ]
    if not temporal:
        span = exp.Sub(this=stop.copy(), expression=start.copy())
        count = exp.Add(
            this=exp.IntDiv(this=span, expression=step.copy()), expression=number(1)
        )
        checks.append(
            (
                exp.GT(this=count, expression=number(MAX_SEQUENCE)),
                f"result of sequence function must not have more than {MAX_SEQUENCE} entries",
            )
        )
    result = series
    for condition, text in reversed(checks):
        result = when(condition, _sequence_error(text), result)
    if temporal:
        length = exp.GT(this=call("LEN", series.copy()), expression=number(MAX_SEQUENCE))
        text = f"result of sequence function must not have more than {MAX_SEQUENCE} entries"
        return when(length, _sequence_error(text), result)
    return result


def reduce(node: exp.Expr) -> exp.Expr:
    merge, finish = node.args.get("merge"), node.args.get("finish")
    reduced = call("LIST_REDUCE", node.this, merge, node.args["initial"])
    if finish is None:
        return reduced
    if not isinstance(finish, exp.Lambda):
        raise QueryFailed(NOT_SUPPORTED, "reduce with an output function that is not a lambda")
    return apply(finish, reduced)


def zip_arrays(node: exp.Anonymous) -> exp.Expr:
    arrays = node.expressions
    if len(arrays) < 2:
        raise QueryFailed(INVALID_FUNCTION_ARGUMENT, "zip needs at least two arrays")
    i = fresh()
    longest = call("GREATEST", *[_length(a) for a in arrays])
    row = call("ROW", *[_at(a, ref(i)) for a in arrays])
    return call(
        "LIST_TRANSFORM",
        call("RANGE", number(1), exp.Add(this=longest, expression=number(1))),
        lam([i], row),
    )


def array_position(node: exp.Expr) -> exp.Expr:
    array = node.this
    found = call("COALESCE", call("LIST_POSITION", array.copy(), node.expression), number(0))
    return when(exp.Is(this=array.copy(), expression=exp.Null()), exp.Null(), cast(found, "BIGINT"))


def _trino_index(node: exp.Bracket) -> exp.Expr:
    """The 1-based index as written (sqlglot stores a literal array index 0-based)."""
    index = node.expressions[0]
    if isinstance(index, exp.Literal) and not index.is_string:
        return number(int(index.name) + 1)
    return index.copy()


def _looks_like_map(node: exp.Bracket) -> bool:
    index = node.expressions[0]
    container = node.this
    return (isinstance(index, exp.Literal) and index.is_string) or isinstance(
        container, (exp.Map, exp.VarMap, exp.MapFromEntries)
    )


def _looks_like_array(node: exp.Bracket) -> bool:
    index = node.expressions[0]
    return isinstance(index, exp.Literal) and not index.is_string or isinstance(
        node.this, (exp.Array, exp.Split, exp.GenerateSeries)
    )


def subscript(node: exp.Bracket) -> exp.Expr:
    """``c[k]``: Trino fails past an array's end and for a key a map does not hold."""
    if node.args.get("safe") or len(node.expressions) != 1:
        return node
    value = node.copy()
    container = node.this
    key = _trino_index(node)
    if _looks_like_map(node):
        missing = exp.Not(this=call("MAP_CONTAINS", container.copy(), key.copy()))
        message = exp.DPipe(
            this=string("Key not present in map: "), expression=cast(key.copy(), "VARCHAR")
        )
        return when(missing, fail(INVALID_FUNCTION_ARGUMENT, message), value)
    if not _looks_like_array(node):
        return node
    shown = cast(key.copy(), "VARCHAR")
    past = exp.DPipe(
        this=exp.DPipe(
            this=string("Array subscript must be less than or equal to array length: "),
            expression=shown,
        ),
        expression=exp.DPipe(
            this=string(" > "), expression=cast(call("LEN", container.copy()), "VARCHAR")
        ),
    )
    negative = exp.DPipe(this=string("Array subscript is negative: "), expression=shown.copy())
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.EQ(this=key.copy(), expression=number(0)),
                true=fail(INVALID_FUNCTION_ARGUMENT, string("SQL array indices start at 1")),
            ),
            exp.If(
                this=exp.LT(this=key.copy(), expression=number(0)),
                true=fail(INVALID_FUNCTION_ARGUMENT, negative),
            ),
            exp.If(
                this=exp.GT(this=key.copy(), expression=call("LEN", container.copy())),
                true=fail(INVALID_FUNCTION_ARGUMENT, past),
            ),
        ],
        default=value,
    )


def trim_array(node: exp.Anonymous) -> exp.Expr:
    array, count = node.expressions
    end = exp.Sub(this=_length(array), expression=count)
    return call("LIST_SLICE", array, number(1), end)


def array_histogram(node: exp.Anonymous) -> exp.Expr:
    (array,) = node.expressions
    x = fresh()
    present = call("LIST_FILTER", array, lam([x], exp.Not(this=exp.Is(this=ref(x), expression=exp.Null()))))
    return call("LIST_HISTOGRAM", present)


def contains_sequence(node: exp.Anonymous) -> exp.Expr:
    array, wanted = node.expressions
    i = fresh()
    starts = call("RANGE", number(1), exp.Add(this=_length(array), expression=number(2)))
    window = call(
        "LIST_SLICE",
        array.copy(),
        ref(i),
        exp.Sub(this=exp.Add(this=ref(i), expression=_length(wanted)), expression=number(1)),
    )
    matches = call("LIST_FILTER", starts, lam([i], exp.EQ(this=window, expression=wanted.copy())))
    return exp.GT(this=call("LEN", matches), expression=number(0))


def ngrams(node: exp.Anonymous) -> exp.Expr:
    array, size = node.expressions
    i = fresh()
    count = call("GREATEST", exp.Add(
        this=exp.Sub(this=_length(array), expression=size.copy()), expression=number(1)
    ), number(1))
    gram = call(
        "LIST_SLICE",
        array.copy(),
        ref(i),
        exp.Sub(this=exp.Add(this=ref(i), expression=size.copy()), expression=number(1)),
    )
    return call(
        "LIST_TRANSFORM",
        call("RANGE", number(1), exp.Add(this=count, expression=number(1))),
        lam([i], gram),
    )


def repeat(node: exp.Anonymous) -> exp.Expr:
    element, count = node.expressions
    x = fresh()
    return call("LIST_TRANSFORM", call("RANGE", count), lam([x], element))
