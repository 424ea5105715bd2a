"""Trino functions whose DuckDB spelling sqlglot does not produce, or produces with other
semantics. Each rewrite maps one parsed Trino node to the DuckDB expression that behaves as
Trino does, by node type (``_BY_TYPE``) or by function name (``_BY_NAME``, for names sqlglot
leaves as plain calls or types as something DuckDB does not have); ``MACROS`` are created on
every query connection for the longer ones, and ``udfs`` holds what only Python can compute.
The rewrites run from the leaves up, so each sees its arguments already in DuckDB's terms.

The topics have their own modules and tables: ``functions_arrays``, ``functions_maps``,
``functions_text`` (strings, regular expressions, JSON), ``functions_math`` and
``functions_time`` (with ``zones`` for ``timestamp with time zone``). Here:

=========================  =====================================================================
Trino                      DuckDB
=========================  =====================================================================
format_datetime(t, joda)   strftime(t, <joda as strftime>), in t's zone
parse_datetime(s, joda)    CAST(strptime(s, <joda as strftime>) AS TIMESTAMPTZ)
approx_distinct(x)         count(DISTINCT x): exact, which is within any error bound
approx_percentile(x, p)    quantile_disc(x, p): an exact element of x, as Trino returns
json_extract_scalar(j, p)  lh_json_extract_scalar: NULL for objects, arrays and invalid JSON
map_agg(k, v)              lh_map_agg(list({key, value})): NULL keys dropped, first value kept
width_bucket(x, l, h, n)   lh_width_bucket: 0 below l, n + 1 at or above h
date_diff(unit, a, b)      date_sub(unit, a, b): whole units elapsed, not boundaries crossed
slice(a, start, length)    array_slice(a, start, start + length - 1)
cardinality(x)             cardinality(x) as bigint (arrays and maps)
ROW(a, b)                  row(a, b): an unnamed row, rendered {field0=a, field1=b}
random(m, n)               m + floor(random() * (n - m)): an integer of [m, n)
sha1, sha512               lh_sha1, lh_sha512 (DuckDB's sha1 is hex text; it has no sha512)
DECIMAL '44.6'             decimal(3,1): precision and scale from the digits
CAST(x AS CHAR(n))         rpad(x, n): padded (typed varchar)
CAST(x AS JSON)            to_json(x): a varchar becomes a JSON string
CAST(json AS VARCHAR)      the JSON string's text, NULL for JSON null
current_timestamp, now()   the query's start time (the engine's clock), as Trino fixes it
=========================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlglot import exp

from lakehose.services.athena.sql import functions_arrays as arrays
from lakehose.services.athena.sql import functions_maps as maps
from lakehose.services.athena.sql import functions_math as math
from lakehose.services.athena.sql import functions_text as text
from lakehose.services.athena.sql import functions_time as time
from lakehose.services.athena.sql.datetime_patterns import UnsupportedPattern, joda_to_strftime
from lakehose.services.athena.sql.errors import (
    INVALID_FUNCTION_ARGUMENT,
    NOT_SUPPORTED,
    QueryFailed,
)
from lakehose.services.athena.sql.functions_text import cast_json, cast_json_text
from lakehose.services.athena.sql.functions_time import cast_zoned
from lakehose.services.athena.sql.zones import MACROS as ZONE_MACROS
from lakehose.services.athena.sql.zones import ZONE, local, tag, zone_of

MACROS = (
    "CREATE MACRO lh_json_extract_scalar(j, p) AS CASE WHEN j IS NULL OR NOT json_valid(j) "
    "THEN NULL WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') THEN NULL "
    "ELSE json_extract_string(j, p) END",
    "CREATE MACRO lh_map_agg(entries) AS map_from_entries(list_filter(entries, lambda e, i: "
    "list_position(list_transform(entries, lambda x: x.key), e.key) = i))",
    # Each key once (the first of each, NULL keys dropped before) with all of its values.
    "CREATE MACRO lh_multimap(entries) AS map_from_entries(list_transform(list_filter(entries, "
    "lambda e, i: list_position(list_transform(entries, lambda x: x.key), e.key) = i), "
    "lambda e: {'key': e.key, 'value': list_transform(list_filter(entries, "
    "lambda x: x.key = e.key), lambda x: x.value)}))",
    "CREATE MACRO lh_width_bucket(x, low, high, n) AS CASE WHEN x IS NULL THEN NULL "
    "WHEN CAST(x AS DOUBLE) < low THEN 0 WHEN CAST(x AS DOUBLE) >= high THEN n + 1 "
    "ELSE CAST(floor((CAST(x AS DOUBLE) - low) * n / (high - low)) AS BIGINT) + 1 END",
    *ZONE_MACROS,
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
    return exp.cast(_call("CARDINALITY", node.this), exp.DataType.build("BIGINT"))


def _from_utf8(node: exp.Expr) -> exp.Expr:
    replacement = node.args.get("replace") or exp.Literal.string("\ufffd")
    return _call("lh_from_utf8", node.this, replacement)


def _row(node: exp.Struct) -> exp.Expr:
    if any(isinstance(e, (exp.PropertyEQ, exp.Alias)) for e in node.expressions):
        return node  # a named struct literal (not Trino syntax, but harmless)
    return _call("ROW", *node.expressions)


def _format_datetime(node: exp.Anonymous) -> exp.Expr:
    value, pattern = node.expressions
    zone = zone_of(value)
    shown = local(value.copy(), zone) if zone is not None else value
    return _call("STRFTIME", shown, _pattern(pattern, "format_datetime"))


def _random(node: exp.Expr) -> exp.Expr:
    low, high = node.this, node.args.get("lower")
    if low is None:
        return node
    if high is None:
        low, high = exp.Literal.number(0), low
    integers = all(isinstance(n, exp.Literal) and n.is_int for n in (low, high))
    span = exp.Sub(this=high.copy(), expression=low.copy())
    drawn = exp.Add(this=low.copy(), expression=exp.Mul(this=_call("RANDOM"), expression=span))
    if not integers:
        return drawn
    return exp.cast(_call("FLOOR", drawn), exp.DataType.build("INTEGER"))


def _sha2(node: exp.Expr) -> exp.Expr:
    length = node.args.get("length")
    bits = int(length.name) if isinstance(length, exp.Literal) else 256
    return _call(f"lh_sha{bits}", node.this) if bits in (256, 512) else node


def _decimal_literal(node: exp.Cast) -> exp.Expr:
    """``DECIMAL '44.6'`` is decimal(3,1) in Trino: precision and scale from the digits."""
    text = node.this.name.strip().lstrip("+-")
    whole, _, fraction = text.partition(".")
    digits = len(whole.lstrip("0")) + len(fraction)
    precision, scale = max(digits, 1, len(fraction)), len(fraction)
    node.set("to", exp.DataType.build(f"DECIMAL({min(precision, 38)}, {scale})"))
    return node


def _is_json(node: exp.Expr) -> bool:
    return (
        (isinstance(node, exp.Cast) and node.to.is_type("json"))
        or isinstance(node, (exp.ParseJSON, exp.JSONExtract))
        or (
            isinstance(node, exp.Anonymous)
            and node.name.upper() in ("TO_JSON", "JSON", "JSON_EXTRACT")
        )
    )


def _cast(node: exp.Cast) -> exp.Expr:
    target = node.to
    if target.is_type("json"):
        return cast_json(node)
    if target.is_type(*exp.DataType.TEXT_TYPES) and _is_json(node.this):
        return cast_json_text(node)
    if target.is_type("char") and target.expressions:
        size = target.expressions[0].this
        text = exp.cast(node.this, exp.DataType.build("VARCHAR"))
        return _call("RPAD", text, size.copy(), exp.Literal.string(" "))
    if (
        target.is_type("decimal")
        and not target.expressions
        and isinstance(node.this, exp.Literal)
        and node.this.is_string
    ):
        return _decimal_literal(node)
    return cast_zoned(node)


# A rewrite takes the node it is registered for (a subclass of exp.Expr).
Rewrite = Callable[..., exp.Expr]


def _udf(name: str) -> Rewrite:
    return lambda node: _call(f"lh_{name}", *node.expressions)


def _url(part: str) -> Rewrite:
    return lambda node: _call("lh_url_part", node.expressions[0], exp.Literal.string(part))


def _unsupported(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Anonymous) or not isinstance(node, exp.Func):
        name = node.name
    else:
        name = node.sql_name()
    raise QueryFailed(NOT_SUPPORTED, f"Function {name.lower()} is not supported by lakehose")


_UDF_NAMES = (
    "crc32", "xxhash64", "hmac_md5", "hmac_sha1", "hmac_sha256", "hmac_sha512", "to_base",
    "from_base", "parse_data_size", "parse_duration", "human_readable_seconds", "format_number",
    "luhn_check", "to_base32", "from_base32", "to_base64url", "from_base64url",
    "to_big_endian_32", "from_big_endian_32", "to_big_endian_64", "from_big_endian_64",
    "to_ieee754_32", "from_ieee754_32", "to_ieee754_64", "from_ieee754_64", "url_encode",
    "url_decode", "url_extract_port", "url_extract_parameter",
)  # fmt: skip
_UNSUPPORTED = (
    "spooky_hash_v2_32", "spooky_hash_v2_64", "murmur3", "word_stem", "soundex",
    "from_iso8601_timestamp_nanos", "from_unixtime_nanos", "current_groups", "current_user",
)  # fmt: skip

_BY_NAME: dict[str, Rewrite] = {
    "FORMAT_DATETIME": _format_datetime,
    "MAP_AGG": _map_agg,
    **{name.upper(): _udf(name) for name in _UDF_NAMES},
    "URL_EXTRACT_PORT": _udf("url_port"),
    "URL_EXTRACT_PARAMETER": _udf("url_parameter"),
    "URL_EXTRACT_HOST": _url("host"),
    "URL_EXTRACT_PATH": _url("path"),
    "URL_EXTRACT_QUERY": _url("query"),
    "URL_EXTRACT_FRAGMENT": _url("fragment"),
    "URL_EXTRACT_PROTOCOL": _url("scheme"),
    **{name.upper(): _unsupported for name in _UNSUPPORTED},
    "ZIP": arrays.zip_arrays,
    "TRIM_ARRAY": arrays.trim_array,
    "ARRAY_HISTOGRAM": arrays.array_histogram,
    "CONTAINS_SEQUENCE": arrays.contains_sequence,
    "NGRAMS": arrays.ngrams,
    "REPEAT": arrays.repeat,
    "MAP_ENTRIES": maps.map_entries,
    "MAP_FILTER": maps.map_filter,
    "TRANSFORM_KEYS": maps.transform_keys,
    "TRANSFORM_VALUES": maps.transform_values,
    "MAP_ZIP_WITH": maps.map_zip_with,
    "MULTIMAP_FROM_ENTRIES": maps.multimap_from_entries,
    "JSON_EXISTS": text.json_exists,
    "JSON_ARRAY_LENGTH": text.json_array_length,
    "JSON_ARRAY_GET": text.json_array_get,
    "JSON_ARRAY_CONTAINS": text.json_array_contains,
    "JSON_SIZE": text.json_size,
    "IS_JSON_SCALAR": text.is_json_scalar,
    "MILLISECOND": time.millisecond,
    "TO_ISO8601": time.to_iso8601,
    "AT_TIMEZONE": time.at_time_zone,
    "WITH_TIMEZONE": time.with_timezone,
    "TIMEZONE_HOUR": time.timezone_hour,
    "TIMEZONE_MINUTE": time.timezone_minute,
    "YOW": lambda node: exp.YearOfWeek(this=node.expressions[0]),
    "ZIP_WITH": arrays.zip_with,
    "ALL_MATCH": arrays.all_match,
    "ANY_MATCH": arrays.any_match,
    "NONE_MATCH": arrays.none_match,
    "COMBINATIONS": arrays.combinations,
    "ARRAY_UNION": arrays.array_union,
    "ARRAYS_OVERLAP": arrays.arrays_overlap,
    "HISTOGRAM": maps.histogram,
    "COSINE_SIMILARITY": maps.cosine_similarity,
    "E": lambda node: math.constant("E"),
    "NAN": lambda node: math.constant("NAN"),
    "INFINITY": lambda node: math.constant("INFINITY"),
    "IS_FINITE": lambda node: _call("ISFINITE", *node.expressions),
    "IS_INFINITE": lambda node: _call("ISINF", *node.expressions),
    "CODEPOINT": lambda node: exp.cast(
        _call("UNICODE", *node.expressions), exp.DataType.build("INTEGER")
    ),
    "HAMMING_DISTANCE": lambda node: _call("HAMMING", *node.expressions),
    "BIT_COUNT": _udf("bit_count"),
    "BITWISE_LEFT_SHIFT": math.shift_left,
    "BITWISE_RIGHT_SHIFT": math.shift_right,
    "BITWISE_RIGHT_SHIFT_ARITHMETIC": math.shift_right_arithmetic,
    "TO_MILLISECONDS": math.to_milliseconds,
    "REDUCE_AGG": math.reduce_agg,
    "MULTIMAP_AGG": maps.multimap_agg,
    "EVERY": lambda node: _call("BOOL_AND", *node.expressions),
    "MAP_UNION": maps.map_union,
    "APPROX_MOST_FREQUENT": maps.approx_most_frequent,
    "CBRT": _udf("cbrt"),
    "REGEXP_POSITION": lambda node: _call(
        "lh_regexp_position",
        *node.expressions,
        *[exp.Literal.number(1)] * (4 - len(node.expressions)),
    ),
}
_IN_ZONE = (
    exp.Year, exp.Month, exp.Day, exp.Hour, exp.Minute, exp.Second, exp.Quarter,
    exp.WeekOfYear, exp.YearOfWeek, exp.DayOfWeekIso, exp.DayOfWeek, exp.DayOfYear,
    exp.DayOfMonth, exp.Extract, exp.TimeToStr,
)  # fmt: skip
_BY_TYPE: dict[type[exp.Expr], Rewrite] = {
    exp.ParseDatetime: _parse_datetime,
    exp.ApproxDistinct: _approx_distinct,
    exp.ApproxQuantile: _approx_percentile,
    exp.JSONExtractScalar: _json_extract_scalar,
    exp.WidthBucket: _width_bucket,
    exp.DateDiff: _date_diff,
    exp.ArraySlice: _slice,
    exp.ArraySize: _cardinality,
    exp.Struct: _row,
    exp.Rand: _random,
    exp.SHA2Digest: _sha2,
    exp.SHA: lambda node: _call("lh_sha1", node.this),
    exp.Cast: _cast,
    exp.ArraySort: arrays.array_sort,
    exp.GenerateSeries: arrays.sequence,
    exp.Reduce: arrays.reduce,
    exp.ArrayPosition: arrays.array_position,
    exp.Bracket: arrays.subscript,
    exp.RegexpReplace: text.regexp_replace,
    exp.Format: text.format_text,
    exp.StrPosition: text.strpos,
    exp.Split: text.split,
    exp.SplitPart: text.split_part,
    exp.Typeof: text.typeof,
    exp.JSONExtract: text.json_query,
    exp.JSONValue: text.json_value,
    exp.Interval: time.interval,
    exp.Add: time.add_interval,
    exp.Sub: time.add_interval,
    exp.DateAdd: time.date_add,
    exp.TimestampAdd: time.date_add,
    exp.TimestampTrunc: time.date_trunc,
    exp.DateTrunc: time.date_trunc,
    exp.AtTimeZone: time.at_time_zone,
    exp.UnixToTime: time.from_unixtime,
    exp.FromISO8601Timestamp: time.from_iso8601_timestamp,
    exp.FromISO8601Date: lambda node: _call("lh_from_iso8601_date", node.this),
    exp.CurrentTimezone: time.current_timezone,
    **{kind: time.in_zone for kind in _IN_ZONE},
    exp.ArrayDistinct: arrays.array_distinct,
    exp.ArrayMax: arrays.array_extreme,
    exp.ArrayMin: arrays.array_extreme,
    exp.ArrayContains: arrays.contains,
    exp.ArrayExcept: arrays.array_except,
    exp.Reverse: arrays.reverse,
    exp.DPipe: arrays.concat_element,
    exp.StrToMap: maps.split_to_map,
    exp.IsNan: lambda node: _call("ISNAN", node.this),
    exp.Sign: math.sign,
    exp.BitwiseAnd: math.bigint,
    exp.BitwiseOr: math.bigint,
    exp.BitwiseXor: math.bigint,
    exp.BitwiseNot: math.bigint,
    exp.BitwiseAndAgg: math.bigint,
    exp.BitwiseOrAgg: math.bigint,
    exp.BitwiseXorAgg: math.bigint,
    exp.Length: math.length,
    exp.Normalize: lambda node: _call(
        "lh_normalize",
        node.this,
        exp.Literal.string((node.args.get("form") or exp.var("NFC")).name),
    ),
    exp.Decode: _from_utf8,
}


def rewrite_functions(expression: exp.Expr, now: datetime) -> exp.Expr:
    """Every Trino function node of the tree in its DuckDB form (see the module table), from
    the leaves up, so that a rewrite sees its arguments already rewritten."""
    tag(expression)
    for node in reversed(list(expression.walk())):
        replacement = _rewrite(node, now)
        if replacement is node:
            continue
        zone = node.meta.get(ZONE)
        if zone is not None:
            replacement.meta[ZONE] = zone
        if node is expression:
            expression = replacement
        else:
            node.replace(replacement)
    return expression


def _as_call(node: exp.Func) -> exp.Anonymous:
    """A typed function node as the plain call it was written as (its arguments in order)."""
    arguments: list[exp.Expr] = []
    for key in node.arg_types:
        value = node.args.get(key)
        if isinstance(value, exp.Expr):
            arguments.append(value)
        elif isinstance(value, list):
            arguments.extend(v for v in value if isinstance(v, exp.Expr))
    return _call(node.sql_name(), *arguments)


def _rewrite(node: exp.Expr, now: datetime) -> exp.Expr:
    if isinstance(node, exp.Anonymous):
        rewrite = _BY_NAME.get(node.name.upper())
        return rewrite(node) if rewrite else node
    if isinstance(node, exp.Func) and type(node) not in _BY_TYPE:
        by_name = _BY_NAME.get(node.sql_name().upper())
        if by_name is not None:
            return by_name(_as_call(node))
    if isinstance(
        node,
        (exp.CurrentTimestamp, exp.Localtimestamp, exp.CurrentDate, exp.CurrentTime, exp.Localtime),
    ):
        return _clock_literal(node, now)
    rewrite = _BY_TYPE.get(type(node))
    return rewrite(node) if rewrite else node


def _clock_literal(node: exp.Expr, now: datetime) -> exp.Expr:
    """``current_timestamp`` & co. as constants of the query's start (Trino evaluates them
    once per query; taking them from the engine's clock keeps time injectable)."""
    millis = now.replace(microsecond=now.microsecond // 1000 * 1000, tzinfo=None)
    text = exp.Literal.string(millis.isoformat(sep=" ", timespec="milliseconds"))
    if isinstance(node, exp.CurrentDate):
        return exp.cast(exp.Literal.string(millis.date().isoformat()), exp.DataType.build("DATE"))
    if isinstance(node, (exp.CurrentTime, exp.Localtime)):
        clock = exp.Literal.string(millis.time().isoformat(timespec="milliseconds"))
        return exp.cast(clock, exp.DataType.build("TIME"))
    target = "TIMESTAMP" if isinstance(node, exp.Localtimestamp) else "TIMESTAMPTZ"
    return exp.cast(text, exp.DataType.build(target))
