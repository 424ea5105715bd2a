"""Trino's numeric, bitwise and conversion functions where DuckDB differs (see ``functions``).

=============================  =================================================================
Trino                          DuckDB
=============================  =================================================================
e(), nan(), infinity()         exp(1), the DOUBLE 'NaN' and 'Infinity'
is_finite / is_infinite        isfinite / isinf
sign(x)                        the input's type (DuckDB gives a tinyint)
cbrt(x)                        lh_cbrt: the correctly rounded cube root (Java's Math.cbrt)
bitwise_and / or / xor / not   bigint
bit_count(x, bits)             lh_bit_count: bits set in x as a bits-wide two's complement
bitwise_*_shift                shifts; 64 bits or more give 0 (-1 arithmetic, negative)
codepoint, hamming_distance    unicode, hamming
length(varbinary)              octet_length for a value written as binary
to_milliseconds(interval)      the interval's milliseconds
reduce_agg(x, s, f, g)         f folded over the group's values from s
=============================  =================================================================
"""

from __future__ import annotations

from sqlglot import exp

from lakehose.services.athena.sql.errors import NOT_SUPPORTED, QueryFailed
from lakehose.services.athena.sql.sqlnodes import call, cast, number, string, when

_BINARY = (exp.Encode, exp.Unhex, exp.MD5Digest, exp.SHA, exp.SHA2Digest, exp.FromBase64)


def double(text: str) -> exp.Expr:
    return cast(string(text), "DOUBLE")


def constant(value: str) -> exp.Expr:
    return {"E": call("EXP", number(1)), "NAN": double("NaN"), "INFINITY": double("Infinity")}[
        value
    ]


def sign(node: exp.Expr) -> exp.Expr:
    value = node.this
    # x * 0 has x's type, which the sum takes (DuckDB's sign is a tinyint).
    return exp.Add(
        this=exp.Mul(this=value.copy(), expression=number(0)), expression=exp.Sign(this=value)
    )


def bigint(node: exp.Expr) -> exp.Expr:
    """A bitwise function's result as Trino types it (DuckDB keeps the operands' type)."""
    return cast(node, "BIGINT")


def _shift(node: exp.Anonymous, operator: type[exp.Binary]) -> exp.Expr:
    """A logical shift; by 64 bits or more it gives 0 (of the value's type)."""
    value, shift = node.expressions
    return when(
        exp.GTE(this=shift.copy(), expression=number(64)),
        exp.Mul(this=value.copy(), expression=number(0)),
        operator(this=value, expression=shift),
    )


def shift_left(node: exp.Anonymous) -> exp.Expr:
    return _shift(node, exp.BitwiseLeftShift)


def shift_right(node: exp.Anonymous) -> exp.Expr:
    return _shift(node, exp.BitwiseRightShift)


def shift_right_arithmetic(node: exp.Anonymous) -> exp.Expr:
    value, shift = node.expressions
    filled = when(exp.LT(this=value.copy(), expression=number(0)), number(-1), number(0))
    return when(
        exp.GTE(this=shift.copy(), expression=number(64)),
        filled,
        exp.BitwiseRightShift(this=value, expression=shift),
    )


def length(node: exp.Expr) -> exp.Expr:
    value = node.this
    is_binary = (
        isinstance(value, _BINARY)
        or (isinstance(value, exp.Cast) and value.to.is_type("varbinary", "binary", "blob"))
        or (
            isinstance(value, exp.Anonymous)
            and value.name.lower().startswith(
                ("lh_sha", "lh_to_", "lh_hmac", "lh_xxhash", "lh_md5")
            )
        )
    )
    if is_binary:
        return call("OCTET_LENGTH", value)
    return node


def to_milliseconds(node: exp.Anonymous) -> exp.Expr:
    (value,) = node.expressions
    return cast(
        call("ROUND", exp.Mul(this=call("EPOCH", value), expression=number(1000))), "BIGINT"
    )


def reduce_agg(node: exp.Anonymous) -> exp.Expr:
    value, initial, fold, _combine = node.expressions
    if not isinstance(fold, exp.Lambda):
        raise QueryFailed(NOT_SUPPORTED, "reduce_agg with a function that is not a lambda")
    return call("LIST_REDUCE", call("LIST", value), fold, initial)
