"""``timestamp with time zone`` kept end to end: which zone a value is in.

DuckDB's TIMESTAMPTZ is an instant without a zone. Trino's value carries its zone, and shows
its fields (``hour``, ``format_datetime``, casts, the rendered value) in that zone. So each
expression that makes a zoned value is tagged, before the rewrites, with an expression giving
its zone (``ZONE`` in the node's meta): ``AT TIME ZONE z``, ``at_timezone``, ``with_timezone``,
``from_unixtime(x, z)``, ``from_iso8601_timestamp`` (the zone written in the text), literals
such as ``TIMESTAMP '... America/New_York'``, and arithmetic and ``date_trunc`` over a tagged
value. The rewrites then read a tagged value's fields in its zone (``local``), rebuild an
instant from local fields (``from_local``), and the query's output carries each zoned column's
zone next to it (``engine`` renders the instant in that zone).

A value that leaves the expression it was made in (a subquery's column, a table's column) is
in UTC, the session zone.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlglot import exp

from lakehose.services.athena.sql.errors import INVALID_FUNCTION_ARGUMENT, QueryFailed
from lakehose.services.athena.sql.sqlnodes import call, string

ZONE = "lh_zone"
UTC = "UTC"
# The output column carrying column <n>'s zone.
ZONE_COLUMN = "__lh_zone_"

MACROS = (
    # The offset in minutes of a '+hh:mm' zone, NULL for a named one.
    "CREATE MACRO lh_offset_minutes(zone) AS CASE "
    "WHEN regexp_full_match(zone, '[+-]\\d\\d:\\d\\d') "
    "THEN (CASE WHEN zone[1] = '-' THEN -1 ELSE 1 END) * (CAST(zone[2:3] AS INTEGER) * 60 "
    "+ CAST(zone[5:6] AS INTEGER)) END",
    "CREATE MACRO lh_local(ts, zone) AS CASE WHEN zone = 'UTC' THEN CAST(ts AS TIMESTAMP) "
    "WHEN lh_offset_minutes(zone) IS NOT NULL "
    "THEN CAST(ts AS TIMESTAMP) + to_minutes(lh_offset_minutes(zone)) "
    "ELSE timezone(zone, CAST(ts AS TIMESTAMPTZ)) END",
    "CREATE MACRO lh_from_local(local, zone) AS CASE WHEN zone = 'UTC' "
    "THEN CAST(local AS TIMESTAMPTZ) WHEN lh_offset_minutes(zone) IS NOT NULL "
    "THEN CAST(CAST(local AS TIMESTAMP) - to_minutes(lh_offset_minutes(zone)) AS TIMESTAMPTZ) "
    "ELSE timezone(zone, CAST(local AS TIMESTAMP)) END",
    # The zone of an ISO 8601 text: its offset as +hh:mm, UTC for Z, +00:00 or none.
    "CREATE MACRO lh_iso_zone(s) AS CASE "
    "WHEN regexp_matches(s, 'T.*[+-]\\d\\d(:?\\d\\d)?$') "
    "AND NOT regexp_matches(s, '[+-]00(:?00)?$') "
    "THEN regexp_replace(regexp_extract(s, '([+-]\\d\\d(:?\\d\\d)?)$', 1), "
    "'^([+-]\\d\\d):?(\\d\\d)?$', '\\1:\\2') || CASE WHEN regexp_matches(s, '[+-]\\d\\d$') "
    "THEN '00' ELSE '' END ELSE 'UTC' END",
    # ISO 8601's offset of a zoned instant: Z for UTC, else +hh:mm.
    "CREATE MACRO lh_iso_offset(ts, zone) AS CASE WHEN zone = 'UTC' THEN 'Z' ELSE "
    "(CASE WHEN date_diff('minute', CAST(ts AS TIMESTAMP), lh_local(ts, zone)) < 0 THEN '-' "
    "ELSE '+' END) || lpad(CAST(abs(date_diff('minute', CAST(ts AS TIMESTAMP), "
    "lh_local(ts, zone))) // 60 AS VARCHAR), 2, '0') || ':' || lpad(CAST(abs(date_diff("
    "'minute', CAST(ts AS TIMESTAMP), lh_local(ts, zone))) % 60 AS VARCHAR), 2, '0') END",
)

_OFFSET = re.compile(r"^([+-])(\d{1,2}):?(\d{2})?$")


def canonical_zone(text: str) -> str:
    """A zone as Trino names it (``+01:00``, ``UTC``, ``America/New_York``), or an error."""
    stripped = text.strip()
    if stripped.upper() in ("UTC", "Z", "GMT", "UT", "ZULU", "+00:00", "-00:00", "+00", "-00"):
        return UTC
    offset = _OFFSET.match(stripped)
    if offset is not None:
        sign, hours, minutes = offset.groups()
        if int(hours) > 14 or int(minutes or 0) > 59:
            raise QueryFailed(INVALID_FUNCTION_ARGUMENT, f"Invalid zone offset: {text}")
        return f"{sign}{int(hours):02d}:{minutes or '00'}"
    try:
        ZoneInfo(stripped)
    except (ZoneInfoNotFoundError, ValueError):
        raise QueryFailed(INVALID_FUNCTION_ARGUMENT, f"Time zone not supported: {text}") from None
    return stripped


def zone_literal(node: exp.Expr) -> exp.Expr:
    """A zone argument: a literal is checked and canonical now, anything else at run time."""
    if isinstance(node, exp.Literal) and node.is_string:
        return string(canonical_zone(node.name))
    return node.copy()


def zone_of(node: exp.Expr | None) -> exp.Expr | None:
    if node is None:
        return None
    zone = node.meta.get(ZONE)
    return zone if isinstance(zone, exp.Expr) else None


def local(value: exp.Expr, zone: exp.Expr) -> exp.Expr:
    return call("lh_local", value, zone.copy())


def from_local(value: exp.Expr, zone: exp.Expr) -> exp.Expr:
    return call("lh_from_local", value, zone.copy())


_LITERAL_ZONE = re.compile(
    r"^\s*\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(\S.*?)\s*$"
)


def _literal_zone(node: exp.Cast) -> exp.Expr | None:
    if not node.to.is_type("timestamptz") or not isinstance(node.this, exp.Literal):
        return None
    match = _LITERAL_ZONE.match(node.this.name)
    if match is None:
        return string(UTC)
    zone = canonical_zone(match.group(1))
    if zone[:1] in "+-":
        # DuckDB reads an offset only when it follows the time directly.
        text = node.this.name
        node.set("this", string(text[: match.start(1)].rstrip() + zone))
    return string(zone)


def _unix_zone(node: exp.Expr) -> exp.Expr | None:
    zone = node.args.get("zone")
    if zone is not None:
        return zone_literal(zone)
    hours, minutes = node.args.get("hours"), node.args.get("minutes")
    if hours is None:
        return None
    offset = call(
        "PRINTF",
        string("%s%02d:%02d"),
        exp.Case(
            ifs=[
                exp.If(
                    this=exp.LT(this=hours.copy(), expression=exp.Literal.number(0)),
                    true=string("-"),
                )
            ],
            default=string("+"),
        ),
        call("ABS", hours.copy()),
        call("ABS", (minutes or exp.Literal.number(0)).copy()),
    )
    return exp.Case(
        ifs=[exp.If(this=exp.EQ(this=offset, expression=string("+00:00")), true=string(UTC))],
        default=offset.copy(),
    )


def _parsed_zone(node: exp.ParseDatetime) -> exp.Expr | None:
    """parse_datetime's zone: the offset its text gives when the Joda pattern reads one (Z)."""
    pattern = node.args.get("format")
    if not (isinstance(pattern, exp.Literal) and "Z" in pattern.name.replace("'", "")):
        return None
    offset = call(
        "REGEXP_EXTRACT",
        node.this.copy(),
        string("([+-]\\d\\d:?\\d\\d)\\s*$"),
        exp.Literal.number(1),
    )
    # The offset in ISO form after a time, so that lh_iso_zone names it as from_iso8601 does.
    return call("lh_iso_zone", exp.DPipe(this=string("T"), expression=offset))


_KEEPS_ZONE = (exp.TimestampTrunc, exp.DateTrunc, exp.DateAdd, exp.TimestampAdd, exp.Paren)


def tag(tree: exp.Expr) -> None:
    """Tag, bottom-up, every expression of ``tree`` that makes a zoned value with its zone."""
    for node in reversed(list(tree.walk())):
        zone: exp.Expr | None = None
        if isinstance(node, exp.AtTimeZone):
            zone = zone_literal(node.args["zone"])
        elif (
            isinstance(node, exp.Anonymous)
            and node.name.lower()
            in (
                "at_timezone",
                "with_timezone",
            )
            and len(node.expressions) == 2
        ):
            zone = zone_literal(node.expressions[1])
        elif isinstance(node, exp.UnixToTime):
            zone = _unix_zone(node)
        elif isinstance(node, exp.FromISO8601Timestamp):
            zone = call("lh_iso_zone", node.this.copy())
        elif isinstance(node, exp.ParseDatetime):
            zone = _parsed_zone(node)
        elif isinstance(node, exp.Cast):
            zone = _literal_zone(node)
        elif isinstance(node, _KEEPS_ZONE):
            zone = zone_of(node.this) or zone_of(node.args.get("expression"))
        elif isinstance(node, (exp.Add, exp.Sub)) and isinstance(node.expression, exp.Interval):
            zone = zone_of(node.this)
        if zone is not None:
            node.meta[ZONE] = zone
