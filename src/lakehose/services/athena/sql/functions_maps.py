"""Trino's map functions where DuckDB has none or another shape (see ``functions``).

Entries are DuckDB's ``{key, value}`` structs; the rewrites go through ``map_entries`` and
``map_from_entries`` and keep the keys in their order (Trino's maps render in insertion order
for these functions' documented examples).

==============================  ==============================================================
Trino                           DuckDB
==============================  ==============================================================
map_entries(m)                  unnamed rows (key, value), as Trino's row(K, V)
map_filter(m, (k, v) -> p)      the entries for which p holds
transform_keys / _values        entries with the function applied to the key / the value
map_zip_with(m1, m2, f)         f over the union of the keys, NULL for a side without the key
multimap_from_entries(a)        each distinct key with the list of its values
==============================  ==============================================================
"""

from __future__ import annotations

from sqlglot import exp

from lakehose.services.athena.sql.errors import NOT_SUPPORTED, QueryFailed
from lakehose.services.athena.sql.functions_arrays import distinct_in_order, fresh
from lakehose.services.athena.sql.sqlnodes import apply, call, lam, number, ref


def _field(entry: str, name: str) -> exp.Expr:
    return exp.Dot(this=ref(entry), expression=exp.to_identifier(name))


def _entry(key: exp.Expr, value: exp.Expr) -> exp.Expr:
    return exp.Struct(
        expressions=[
            exp.PropertyEQ(this=exp.to_identifier("key"), expression=key),
            exp.PropertyEQ(this=exp.to_identifier("value"), expression=value),
        ]
    )


def _lambda(node: exp.Anonymous, arity: int) -> exp.Lambda:
    function = node.expressions[-1] if node.expressions else None
    if not isinstance(function, exp.Lambda) or len(function.expressions) != arity:
        raise QueryFailed(NOT_SUPPORTED, f"{node.name} needs a lambda of {arity} arguments")
    return function


def map_entries(node: exp.Anonymous) -> exp.Expr:
    (mapping,) = node.expressions
    e = fresh()
    row = call("ROW", _field(e, "key"), _field(e, "value"))
    return call("LIST_TRANSFORM", call("MAP_ENTRIES", mapping), lam([e], row))


def map_filter(node: exp.Anonymous) -> exp.Expr:
    function = _lambda(node, 2)
    e = fresh()
    keep = apply(function, _field(e, "key"), _field(e, "value"))
    entries = call("LIST_FILTER", call("MAP_ENTRIES", node.expressions[0]), lam([e], keep))
    return call("MAP_FROM_ENTRIES", entries)


def _transform(node: exp.Anonymous, part: str) -> exp.Expr:
    """The map with the lambda applied to each entry's key or value (``part``)."""
    function = _lambda(node, 2)
    e = fresh()
    result = apply(function, _field(e, "key"), _field(e, "value"))
    key, value = (result, _field(e, "value")) if part == "key" else (_field(e, "key"), result)
    entries = call(
        "LIST_TRANSFORM", call("MAP_ENTRIES", node.expressions[0]), lam([e], _entry(key, value))
    )
    return call("MAP_FROM_ENTRIES", entries)


def transform_keys(node: exp.Anonymous) -> exp.Expr:
    return _transform(node, "key")


def transform_values(node: exp.Anonymous) -> exp.Expr:
    return _transform(node, "value")


def map_zip_with(node: exp.Anonymous) -> exp.Expr:
    function = _lambda(node, 3)
    left, right = node.expressions[0], node.expressions[1]
    keys = distinct_in_order(
        call("LIST_CONCAT", call("MAP_KEYS", left.copy()), call("MAP_KEYS", right.copy()))
    )
    k = fresh()
    value = apply(
        function,
        ref(k),
        call("MAP_EXTRACT_VALUE", left.copy(), ref(k)),
        call("MAP_EXTRACT_VALUE", right.copy(), ref(k)),
    )
    entries = call("LIST_TRANSFORM", keys, lam([k], _entry(ref(k), value)))
    return call("MAP_FROM_ENTRIES", entries)


def _row_field(entry: exp.Expr, position: int) -> exp.Expr:
    return call("STRUCT_EXTRACT", entry, number(position))


def multimap_from_entries(node: exp.Anonymous) -> exp.Expr:
    (entries,) = node.expressions
    e, k = fresh(), fresh()
    keys = distinct_in_order(
        call("LIST_TRANSFORM", entries.copy(), lam([e], _row_field(ref(e), 1)))
    )
    f = fresh()
    matching = call(
        "LIST_FILTER",
        entries.copy(),
        lam([f], exp.EQ(this=_row_field(ref(f), 1), expression=ref(k))),
    )
    g = fresh()
    values = call("LIST_TRANSFORM", matching, lam([g], _row_field(ref(g), 2)))
    return call("MAP_FROM_ENTRIES", call("LIST_TRANSFORM", keys, lam([k], _entry(ref(k), values))))


def split_to_map(node: exp.Expr) -> exp.Expr:
    text = node.this
    entries, pair = node.args.get("pair_delim"), node.args.get("key_value_delim")
    if not isinstance(entries, exp.Expr) or not isinstance(pair, exp.Expr):
        raise QueryFailed(NOT_SUPPORTED, "split_to_map without both delimiters")
    p = fresh()
    key = call("SPLIT_PART", ref(p), pair.copy(), number(1))
    value = call(
        "SUBSTRING",
        ref(p),
        exp.Add(
            this=call("LENGTH", key.copy()),
            expression=exp.Add(this=call("LENGTH", pair.copy()), expression=number(1)),
        ),
    )
    built = call(
        "LIST_TRANSFORM", call("STRING_SPLIT", text, entries), lam([p], _entry(key, value))
    )
    return call("MAP_FROM_ENTRIES", built)


def histogram(node: exp.Anonymous) -> exp.Expr:
    e = fresh()
    counted = _entry(_field(e, "key"), exp.cast(_field(e, "value"), exp.DataType.build("BIGINT")))
    entries = call(
        "LIST_TRANSFORM",
        call("MAP_ENTRIES", call("HISTOGRAM", *node.expressions)),
        lam([e], counted),
    )
    return call("MAP_FROM_ENTRIES", entries)


def cosine_similarity(node: exp.Anonymous) -> exp.Expr:
    left, right = node.expressions
    k, v = fresh(), fresh()
    products = call(
        "LIST_TRANSFORM",
        call("MAP_KEYS", left.copy()),
        lam(
            [k],
            exp.Mul(
                this=call("MAP_EXTRACT_VALUE", left.copy(), ref(k)),
                expression=call(
                    "COALESCE", call("MAP_EXTRACT_VALUE", right.copy(), ref(k)), number(0)
                ),
            ),
        ),
    )

    def norm(mapping: exp.Expr) -> exp.Expr:
        squares = call(
            "LIST_TRANSFORM",
            call("MAP_VALUES", mapping.copy()),
            lam([v], exp.Mul(this=ref(v), expression=ref(v))),
        )
        return call("SQRT", call("LIST_SUM", squares))

    dot = exp.cast(call("LIST_SUM", products), exp.DataType.build("DOUBLE"))
    return exp.Div(this=dot, expression=exp.Mul(this=norm(left), expression=norm(right)))


def _entries_of(key: exp.Expr, value: exp.Expr) -> exp.Expr:
    """The group's (key, value) entries without the NULL keys, as a list."""
    entries = exp.Filter(
        this=call("LIST", _entry(key, value)),
        expression=exp.Where(this=exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null()))),
    )
    return entries


def multimap_agg(node: exp.Anonymous) -> exp.Expr:
    key, value = node.expressions
    return call("lh_multimap", _entries_of(key, value))


def map_union(node: exp.Anonymous) -> exp.Expr:
    (mapping,) = node.expressions
    m = fresh()
    entries = call(
        "FLATTEN",
        call("LIST_TRANSFORM", call("LIST", mapping), lam([m], call("MAP_ENTRIES", ref(m)))),
    )
    return call("lh_map_agg", entries)


def approx_most_frequent(node: exp.Anonymous) -> exp.Expr:
    """The ``buckets`` most frequent values with their counts (exact: within any error)."""
    buckets, value = node.expressions[0], node.expressions[1]
    e = fresh()
    ranked = call(
        "LIST_SORT",
        call(
            "LIST_TRANSFORM",
            call("MAP_ENTRIES", call("HISTOGRAM", value)),
            lam(
                [e],
                exp.Struct(
                    expressions=[
                        exp.PropertyEQ(
                            this=exp.to_identifier("n"),
                            expression=exp.Neg(
                                this=exp.cast(_field(e, "value"), exp.DataType.build("BIGINT"))
                            ),
                        ),
                        exp.PropertyEQ(this=exp.to_identifier("key"), expression=_field(e, "key")),
                    ]
                ),
            ),
        ),
    )
    top = call("LIST_SLICE", ranked, number(1), buckets)
    f = fresh()
    counted = _entry(
        _field(f, "key"), exp.cast(exp.Neg(this=_field(f, "n")), exp.DataType.build("BIGINT"))
    )
    return call("MAP_FROM_ENTRIES", call("LIST_TRANSFORM", top, lam([f], counted)))
