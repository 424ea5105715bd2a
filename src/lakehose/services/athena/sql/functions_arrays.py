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

from lakehose.services.athena.sql.errors import (
    INVALID_FUNCTION_ARGUMENT,
    NOT_SUPPORTED,
    QueryFailed,
)
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

    # j goes before i when the comparator says so (and does not say the reverse too, as a
    # comparator that puts NULL first against itself does), or on a tie by position.
    earlier = exp.LT(this=ref(j), expression=ref(i))
    before = exp.or_(
        exp.and_(
            exp.LT(this=compare(j, i), expression=number(0)),
            exp.or_(exp.GTE(this=compare(i, j), expression=number(0)), earlier.copy()),
        ),
        exp.and_(exp.EQ(this=compare(j, i), expression=number(0)), earlier.copy()),
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
            step = when(exp.LTE(this=start.copy(), expression=stop.copy()), number(1), number(-1))
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
        count = exp.Add(this=exp.IntDiv(this=span, expression=step.copy()), expression=number(1))
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
    if not isinstance(merge, exp.Lambda):
        raise QueryFailed(NOT_SUPPORTED, "reduce with an input function that is not a lambda")
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
    """The 1-based index as written (sqlglot stores a literal index 0-based, unless it sees
    that the subscripted value is a map)."""
    index: exp.Expr = node.expressions[0]
    if isinstance(node.this, _MAPS):
        return index.copy()
    if isinstance(index, exp.Literal) and not index.is_string:
        return number(int(index.name) + 1)
    if isinstance(index, exp.Neg) and isinstance(index.this, exp.Literal):
        return number(1 - int(index.this.name))
    return index.copy()


_MAPS = (exp.Map, exp.VarMap, exp.MapFromEntries)


def _looks_like_map(node: exp.Bracket) -> bool:
    index = node.expressions[0]
    return (isinstance(index, exp.Literal) and index.is_string) or isinstance(node.this, _MAPS)


def _looks_like_array(node: exp.Bracket) -> bool:
    index = node.expressions[0]
    return (isinstance(index, exp.Literal) and not index.is_string) or isinstance(
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
    size = cast(call("CARDINALITY", container.copy()), "VARCHAR")
    past = exp.DPipe(
        this=exp.DPipe(
            this=string("Array subscript must be less than or equal to array length: "),
            expression=shown,
        ),
        expression=exp.DPipe(this=string(" > "), expression=size),
    )
    negative = exp.DPipe(this=string("Array subscript is negative: "), expression=shown.copy())
    # A NULL element within the array stays NULL; only a missing one fails. CARDINALITY, not
    # LEN: a map with integer keys subscripted by a number must still bind.
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
            exp.If(this=exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())), true=value),
            exp.If(
                this=exp.GT(this=key.copy(), expression=call("CARDINALITY", container.copy())),
                true=fail(INVALID_FUNCTION_ARGUMENT, past),
            ),
        ],
        default=exp.Null(),
    )


def trim_array(node: exp.Anonymous) -> exp.Expr:
    array, count = node.expressions
    end = exp.Sub(this=_length(array), expression=count)
    return call("LIST_SLICE", array, number(1), end)


def distinct_in_order(items: exp.Expr) -> exp.Expr:
    """The list's distinct elements in order of first appearance (Trino keeps that order)."""
    x, i = fresh(), fresh()
    first = exp.EQ(this=call("LIST_POSITION", items.copy(), ref(x)), expression=ref(i))
    return call("LIST_FILTER", items, lam([x, i], first))


def _present(array: exp.Expr) -> exp.Expr:
    x = fresh()
    return call(
        "LIST_FILTER", array, lam([x], exp.Not(this=exp.Is(this=ref(x), expression=exp.Null())))
    )


def array_histogram(node: exp.Anonymous) -> exp.Expr:
    (array,) = node.expressions
    present = _present(array.copy())
    k, x = fresh(), fresh()
    count = cast(
        call(
            "LEN",
            call("LIST_FILTER", present.copy(), lam([x], exp.EQ(this=ref(x), expression=ref(k)))),
        ),
        "BIGINT",
    )
    entry = exp.Struct(
        expressions=[
            exp.PropertyEQ(this=exp.to_identifier("key"), expression=ref(k)),
            exp.PropertyEQ(this=exp.to_identifier("value"), expression=count),
        ]
    )
    entries = call("LIST_TRANSFORM", distinct_in_order(present), lam([k], entry))
    return call("MAP_FROM_ENTRIES", entries)


def array_distinct(node: exp.Expr) -> exp.Expr:
    return distinct_in_order(node.this)


def array_union(node: exp.Anonymous) -> exp.Expr:
    left, right = node.expressions
    return distinct_in_order(call("LIST_CONCAT", left, right))


def array_except(node: exp.Expr) -> exp.Expr:
    x = fresh()
    absent = exp.Not(this=call("LIST_CONTAINS", node.expression.copy(), ref(x)))
    return call("LIST_FILTER", distinct_in_order(node.this), lam([x], absent))


def arrays_overlap(node: exp.Anonymous) -> exp.Expr:
    left, right = node.expressions
    return exp.Case(
        ifs=[
            exp.If(this=call("LIST_HAS_ANY", left.copy(), right.copy()), true=exp.true()),
            exp.If(this=exp.or_(_has_null(left), _has_null(right)), true=exp.Null()),
        ],
        default=exp.false(),
    )


def zip_with(node: exp.Anonymous) -> exp.Expr:
    left, right, function = node.expressions
    if not isinstance(function, exp.Lambda):
        raise QueryFailed(NOT_SUPPORTED, "zip_with with a function that is not a lambda")
    i = fresh()
    longest = call("GREATEST", _length(left), _length(right))
    value = apply(function, _at(left, ref(i)), _at(right, ref(i)))
    return call(
        "LIST_TRANSFORM",
        call("RANGE", number(1), exp.Add(this=longest, expression=number(1))),
        lam([i], value),
    )


def _match(node: exp.Anonymous, kind: str) -> exp.Expr:
    """all_match / any_match / none_match with Trino's NULL rules."""
    array, function = node.expressions
    if not isinstance(function, exp.Lambda):
        raise QueryFailed(NOT_SUPPORTED, f"{node.name} with a function that is not a lambda")
    x = fresh()
    tests = call("LIST_TRANSFORM", array, lam([x], apply(function, ref(x))))
    unknown = _has_null(tests)
    decisive = exp.false() if kind == "all" else exp.true()
    found = call("LIST_CONTAINS", tests, decisive)
    outcome = {
        "all": (exp.false(), exp.true()),
        "any": (exp.true(), exp.false()),
        "none": (exp.false(), exp.true()),
    }[kind]
    return exp.Case(
        ifs=[exp.If(this=found, true=outcome[0]), exp.If(this=unknown, true=exp.Null())],
        default=outcome[1],
    )


def all_match(node: exp.Anonymous) -> exp.Expr:
    return _match(node, "all")


def any_match(node: exp.Anonymous) -> exp.Expr:
    return _match(node, "any")


def none_match(node: exp.Anonymous) -> exp.Expr:
    return _match(node, "none")


def combinations(node: exp.Anonymous) -> exp.Expr:
    array, size = node.expressions
    if not (isinstance(size, exp.Literal) and size.is_int and 0 <= int(size.name) <= 5):
        raise QueryFailed(
            NOT_SUPPORTED, "combinations with a size that is not a literal from 0 to 5"
        )
    count = int(size.name)
    indexes = [fresh() for _ in range(count)]

    def level(depth: int) -> exp.Expr:
        if depth == count:
            return exp.Array(expressions=[_at(array, ref(i)) for i in indexes])
        start = (
            number(1) if depth == 0 else exp.Add(this=ref(indexes[depth - 1]), expression=number(1))
        )
        steps = call("RANGE", start, exp.Add(this=_length(array), expression=number(1)))
        inner = call("LIST_TRANSFORM", steps, lam([indexes[depth]], level(depth + 1)))
        return inner if depth == count - 1 else call("FLATTEN", inner)

    return level(0) if count else exp.Array(expressions=[exp.Array(expressions=[])])


_ARRAYS = (exp.Array, exp.Split, exp.GenerateSeries, exp.ArraySort, exp.ArrayDistinct, exp.Filter)


def reverse(node: exp.Expr) -> exp.Expr:
    """reverse: of an array when the argument is written as one, else of a string."""
    value = node.this
    is_array = isinstance(value, _ARRAYS) or (
        isinstance(value, exp.Anonymous) and value.name.upper().startswith("LIST_")
    )
    return call("LIST_REVERSE", value) if is_array else node


def concat_element(node: exp.DPipe) -> exp.Expr:
    """``array || element`` and ``element || array``."""
    left, right = node.this, node.expression
    if isinstance(left, exp.Array) and not isinstance(right, exp.Array) and _scalar(right):
        return call("LIST_APPEND", left, right)
    if isinstance(right, exp.Array) and not isinstance(left, exp.Array) and _scalar(left):
        return call("LIST_PREPEND", left, right)
    return node


def _scalar(node: exp.Expr) -> bool:
    return isinstance(node, (exp.Literal, exp.Null, exp.Boolean))


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
    count = call(
        "GREATEST",
        exp.Add(this=exp.Sub(this=_length(array), expression=size.copy()), expression=number(1)),
        number(1),
    )
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
    """repeat(element, count): an array, at most 10,000 elements long as Trino allows."""
    element, count = node.expressions
    x = fresh()
    repeated = call("LIST_TRANSFORM", call("RANGE", count.copy()), lam([x], element))
    text = f"count argument of repeat function must be less than or equal to {MAX_SEQUENCE}"
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.LT(this=count.copy(), expression=number(0)),
                true=_sequence_error(
                    "count argument of repeat function must be greater than or equal to 0"
                ),
            ),
            exp.If(
                this=exp.GT(this=count.copy(), expression=number(MAX_SEQUENCE)),
                true=_sequence_error(text),
            ),
        ],
        default=repeated,
    )


def _has_null(array: exp.Expr) -> exp.Expr:
    x = fresh()
    nulls = call("LIST_FILTER", array.copy(), lam([x], exp.Is(this=ref(x), expression=exp.Null())))
    return exp.GT(this=call("LEN", nulls), expression=number(0))


def array_extreme(node: exp.Expr) -> exp.Expr:
    """array_max / array_min: NULL when an element is NULL (DuckDB skips NULLs)."""
    name = "LIST_MAX" if isinstance(node, exp.ArrayMax) else "LIST_MIN"
    return when(_has_null(node.this), exp.Null(), call(name, node.this.copy()))


def contains(node: exp.Expr) -> exp.Expr:
    """contains: NULL rather than false when the element is absent and the array has a NULL."""
    array = node.this
    found = call("LIST_CONTAINS", array.copy(), node.expression)
    return exp.Case(
        ifs=[
            exp.If(this=found, true=exp.true()),
            exp.If(this=_has_null(array), true=exp.Null()),
        ],
        default=exp.false(),
    )
