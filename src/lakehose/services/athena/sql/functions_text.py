"""Trino's string, regular expression, binary, URL and JSON functions where DuckDB differs.

===============================  ============================================================
Trino                            DuckDB
===============================  ============================================================
regexp_replace(s, p, '$1')       regexp_replace(s, p, '\\1', 'g'): Java's ``$g`` references
regexp_replace(s, p, lambda)     the lambda over each match's groups, between the unmatched
                                 pieces
format(f, args...)               lh_format (``java_format``) over the arguments' text and types
strpos(s, t, n), split(s, d, n)  lh_strpos, lh_split: the n-th instance, at most n pieces
split_part(s, d, i)              NULL past the last field
sha1, sha512, crc32, xxhash64,   lh_* (``udfs``)
hmac_*, url_*, from/to_base...
typeof(x)                        Trino's name of DuckDB's type (``varchar(n)`` for a literal)
json_query / json_value /        DuckDB's JSON functions with the ``lax``/``strict`` mode
json_exists(j, 'lax $.p')        dropped; json_query gives varchar
json_array_length, json_size,    bigint, NULL for invalid JSON or another JSON type
json_array_get,
json_array_contains,
is_json_scalar
CAST(x AS JSON)                  to_json(x): a varchar becomes a JSON string
===============================  ============================================================
"""

from __future__ import annotations

import re

from sqlglot import exp

from lakehose.services.athena.sql.errors import (
    INVALID_FUNCTION_ARGUMENT,
    NOT_SUPPORTED,
    QueryFailed,
)
from lakehose.services.athena.sql.functions_arrays import fresh
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


def _literal(node: exp.Expr | None) -> str | None:
    return node.name if isinstance(node, exp.Literal) and node.is_string else None


def _java_replacement(text: str) -> str:
    """A Java replacement string (``$1``, ``\\$``) as RE2's (``\\1``, ``$``)."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            escaped = text[index + 1]
            out.append("\\\\" if escaped == "\\" else escaped)
            index += 2
            continue
        if char == "$":
            digits = re.match(r"\d+", text[index + 1 :])
            if digits is None:
                raise QueryFailed(
                    INVALID_FUNCTION_ARGUMENT, "Illegal group reference in the replacement"
                )
            out.append("\\" + digits.group())
            index += 1 + len(digits.group())
            continue
        out.append(char)
        index += 1
    return "".join(out)


def regexp_replace(node: exp.Expr) -> exp.Expr:
    replacement = node.args.get("replacement")
    if replacement is None:
        return call("REGEXP_REPLACE", node.this, node.expression, string(""), string("g"))
    if isinstance(replacement, exp.Lambda):
        return _replace_with(node.this, node.expression, replacement)
    text = _literal(replacement)
    if text is None:
        raise QueryFailed(NOT_SUPPORTED, "regexp_replace with a replacement that is not a literal")
    return call(
        "REGEXP_REPLACE", node.this, node.expression, string(_java_replacement(text)), string("g")
    )


def _replace_with(subject: exp.Expr, pattern: exp.Expr, function: exp.Lambda) -> exp.Expr:
    text = _literal(pattern)
    if text is None:
        raise QueryFailed(
            NOT_SUPPORTED, "regexp_replace with a lambda and a pattern that is not a literal"
        )
    try:
        groups = re.compile(text).groups
    except re.error:
        groups = text.count("(") - text.count("(?")
    matches = call("REGEXP_EXTRACT_ALL", subject.copy(), pattern.copy())
    pieces = call("REGEXP_SPLIT_TO_ARRAY", subject.copy(), pattern.copy())
    i, a, b = fresh(), fresh(), fresh()
    match = call("LIST_EXTRACT", matches.copy(), ref(i))
    anchored = string(f"^(?:{text})$")
    captured = exp.Array(
        expressions=[
            call("REGEXP_EXTRACT", match.copy(), anchored.copy(), number(g))
            for g in range(1, groups + 1)
        ]
    )
    replaced = exp.DPipe(
        this=apply(function, captured),
        expression=call("LIST_EXTRACT", pieces.copy(), exp.Add(this=ref(i), expression=number(1))),
    )
    parts = call(
        "LIST_TRANSFORM",
        call("RANGE", number(1), exp.Add(this=call("LEN", matches), expression=number(1))),
        lam([i], replaced),
    )
    joined = call(
        "LIST_REDUCE", parts, lam([a, b], exp.DPipe(this=ref(a), expression=ref(b))), string("")
    )
    return exp.DPipe(this=call("LIST_EXTRACT", pieces, number(1)), expression=joined)


def format_text(node: exp.Expr) -> exp.Expr:
    arguments = node.expressions
    texts: exp.Expr = exp.Array(expressions=[cast(a.copy(), "VARCHAR") for a in arguments])
    kinds: exp.Expr = exp.Array(expressions=[call("TYPEOF", a.copy()) for a in arguments])
    if not arguments:
        texts = cast(exp.Array(expressions=[]), "VARCHAR[]")
        kinds = texts.copy()
    return call("lh_format", node.this, texts, kinds)


def strpos(node: exp.Expr) -> exp.Expr:
    occurrence = node.args.get("occurrence")
    found = call("STRPOS", node.this, node.args["substr"])
    if occurrence is None:
        return cast(found, "BIGINT")
    return call("lh_strpos", node.this, node.args["substr"], occurrence)


def split(node: exp.Expr) -> exp.Expr:
    limit = node.args.get("limit")
    if limit is None:
        return call("STRING_SPLIT", node.this, node.expression)
    return call("lh_split", node.this, node.expression, limit)


def split_part(node: exp.Expr) -> exp.Expr:
    subject, delimiter, index = node.this, node.args["delimiter"], node.args["part_index"]
    fields = call("LEN", call("STRING_SPLIT", subject.copy(), delimiter.copy()))
    part = call("SPLIT_PART", subject, delimiter, index)
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.LTE(this=index.copy(), expression=number(0)),
                true=fail(INVALID_FUNCTION_ARGUMENT, string("Index must be greater than zero")),
            ),
            exp.If(this=exp.GT(this=index.copy(), expression=fields), true=exp.Null()),
        ],
        default=part,
    )


def typeof(node: exp.Expr) -> exp.Expr:
    value = node.this
    if isinstance(value, exp.Literal) and value.is_string:
        return string(f"varchar({len(value.name)})")
    return call("lh_trino_type", call("TYPEOF", value))


# -- JSON ---------------------------------------------------------------------------------------


def _json_path(node: exp.Expr) -> exp.Expr:
    """A JSON path without Trino's ``lax``/``strict`` mode word (DuckDB's paths are lax)."""
    text = _literal(node)
    if text is None:
        return node
    return string(re.sub(r"^\s*(lax|strict)\s+", "", text, flags=re.IGNORECASE))


def _valid(value: exp.Expr) -> exp.Expr:
    return call("JSON_VALID", cast(value.copy(), "VARCHAR"))


def _json_guarded(value: exp.Expr, kind: str, result: exp.Expr) -> exp.Expr:
    """``result`` where ``value`` is valid JSON of ``kind`` (ARRAY, OBJECT), else NULL."""
    valid = exp.and_(
        _valid(value),
        exp.EQ(this=call("JSON_TYPE", cast(value.copy(), "JSON")), expression=string(kind)),
    )
    return when(valid, result, exp.Null())


def json_query(node: exp.Expr) -> exp.Expr:
    if not node.args.get("json_query"):
        return node
    extracted = call("JSON_EXTRACT", node.this.copy(), _json_path(node.expression))
    return when(_valid(node.this), cast(extracted, "VARCHAR"), exp.Null())


def json_value(node: exp.Expr) -> exp.Expr:
    path = _json_path(node.args["path"])
    scalar = exp.Not(
        this=exp.In(
            this=call("JSON_TYPE", node.this.copy(), path.copy()),
            expressions=[string("ARRAY"), string("OBJECT")],
        )
    )
    value = call("JSON_EXTRACT_STRING", node.this.copy(), path)
    return when(exp.and_(_valid(node.this), scalar), value, exp.Null())


def json_exists(node: exp.Anonymous) -> exp.Expr:
    value, path = node.expressions
    exists = call("JSON_EXISTS", value.copy(), _json_path(path))
    return when(_valid(value), exists, exp.Null())


def json_array_length(node: exp.Anonymous) -> exp.Expr:
    (value,) = node.expressions
    return _json_guarded(
        value, "ARRAY", cast(call("JSON_ARRAY_LENGTH", cast(value.copy(), "JSON")), "BIGINT")
    )


def json_array_get(node: exp.Anonymous) -> exp.Expr:
    value, index = node.expressions
    path = when(
        exp.GTE(this=index.copy(), expression=number(0)),
        exp.DPipe(
            this=exp.DPipe(this=string("$["), expression=cast(index.copy(), "VARCHAR")),
            expression=string("]"),
        ),
        exp.DPipe(
            this=exp.DPipe(this=string("$[#"), expression=cast(index.copy(), "VARCHAR")),
            expression=string("]"),
        ),
    )
    return _json_guarded(value, "ARRAY", call("JSON_EXTRACT", cast(value.copy(), "JSON"), path))


def json_array_contains(node: exp.Anonymous) -> exp.Expr:
    value, element = node.expressions
    items = cast(call("JSON_EXTRACT", cast(value.copy(), "JSON"), string("$[*]")), "VARCHAR[]")
    wanted = cast(call("TO_JSON", element), "VARCHAR")
    return _json_guarded(value, "ARRAY", call("LIST_CONTAINS", items, wanted))


def json_size(node: exp.Anonymous) -> exp.Expr:
    value, path = node.expressions
    path = _json_path(path)
    document = cast(value.copy(), "JSON")
    kind = call("JSON_TYPE", document.copy(), path.copy())
    size = exp.Case(
        ifs=[
            exp.If(this=exp.Is(this=kind.copy(), expression=exp.Null()), true=exp.Null()),
            exp.If(
                this=exp.EQ(this=kind.copy(), expression=string("ARRAY")),
                true=call("JSON_ARRAY_LENGTH", document.copy(), path.copy()),
            ),
            exp.If(
                this=exp.EQ(this=kind.copy(), expression=string("OBJECT")),
                true=call("LEN", call("JSON_KEYS", document.copy(), path.copy())),
            ),
        ],
        default=number(0),
    )
    return when(_valid(value), cast(size, "BIGINT"), exp.Null())


def is_json_scalar(node: exp.Anonymous) -> exp.Expr:
    (value,) = node.expressions
    scalar = exp.Not(
        this=exp.In(
            this=call("JSON_TYPE", cast(value.copy(), "JSON")),
            expressions=[string("ARRAY"), string("OBJECT")],
        )
    )
    invalid = fail(INVALID_FUNCTION_ARGUMENT, string("Invalid JSON value: "))
    return when(exp.Not(this=_valid(value)), invalid, scalar)


def cast_json(node: exp.Cast) -> exp.Expr:
    if not node.to.is_type("json"):
        return node
    return call("TO_JSON", node.this)


def cast_json_text(node: exp.Cast) -> exp.Expr:
    """CAST(json AS varchar): a JSON string's text, NULL for JSON null, a number's or boolean's
    text (Trino refuses arrays and objects)."""
    document = cast(node.this.copy(), "JSON")
    kind = call("JSON_TYPE", document.copy())
    return exp.Case(
        ifs=[
            exp.If(this=exp.EQ(this=kind.copy(), expression=string("NULL")), true=exp.Null()),
            exp.If(
                this=exp.EQ(this=kind.copy(), expression=string("VARCHAR")),
                true=call("JSON_EXTRACT_STRING", document.copy(), string("$")),
            ),
            exp.If(
                this=exp.In(this=kind, expressions=[string("ARRAY"), string("OBJECT")]),
                true=fail(INVALID_FUNCTION_ARGUMENT, string("Cannot cast JSON to varchar")),
            ),
        ],
        default=cast(document, "VARCHAR"),
    )
