"""Trino's date, time and interval semantics over DuckDB's (see ``functions`` and ``zones``).

===========================  ==================================================================
Trino                        DuckDB
===========================  ==================================================================
INTERVAL 'y-m' YEAR TO       a months interval; DAY TO SECOND text as DuckDB reads it
MONTH
date + interval,             a date again (DuckDB gives a timestamp) for a value known to be a
date_add, date_trunc         date
time + year/month interval   TYPE_MISMATCH, as Trino refuses it
millisecond(x)               the milliseconds of the second (DuckDB counts the seconds too)
x AT TIME ZONE z,            the instant, tagged with its zone (``zones``)
at_timezone, with_timezone,
from_unixtime(x, z),
from_iso8601_timestamp
hour(z), date_trunc(z) ...   fields read in the value's zone
to_iso8601(x)                ISO text with the zone's offset (Z for UTC)
timezone_hour/minute(x)      the offset of the value's zone at that instant
from_iso8601_date            lh_from_iso8601_date: week and ordinal dates too
===========================  ==================================================================
"""

from __future__ import annotations

import re

from sqlglot import exp

from lakehose.services.athena.sql.errors import TYPE_MISMATCH, QueryFailed
from lakehose.services.athena.sql.sqlnodes import call, cast, is_type, number, string
from lakehose.services.athena.sql.zones import (
    UTC,
    from_local,
    local,
    zone_literal,
    zone_of,
)

_YEAR_MONTH = ("YEAR", "MONTH", "QUARTER")


def _unit(interval: exp.Interval) -> str:
    unit = interval.args.get("unit")
    if isinstance(unit, exp.IntervalSpan):
        return f"{unit.this.name.upper()} TO {unit.expression.name.upper()}"
    return unit.name.upper() if unit is not None else ""


def interval(node: exp.Interval) -> exp.Expr:
    unit = _unit(node)
    text = node.this.name if isinstance(node.this, exp.Literal) else None
    if " TO " not in unit or text is None:
        return node
    if unit == "YEAR TO MONTH":
        match = re.fullmatch(r"\s*([+-]?)(\d+)-(\d+)\s*", text)
        if match is None:
            raise QueryFailed(TYPE_MISMATCH, f"Invalid INTERVAL YEAR TO MONTH value: {text}")
        months = int(match.group(2)) * 12 + int(match.group(3))
        months = -months if match.group(1) == "-" else months
        return exp.Interval(this=string(str(months)), unit=exp.Var(this="MONTH"))
    match = re.fullmatch(r"\s*([+-]?)(\d+)\s+(\d+(?::\d+){0,2}(?:\.\d+)?)\s*", text)
    if unit.startswith("DAY") and match is not None:
        sign, days, clock = match.groups()
        return exp.Interval(this=string(f"{sign}{days} days {sign}{clock}"))
    return exp.Interval(this=string(text.strip()))


def _interval_units(node: exp.Expr) -> set[str]:
    return {_unit(i) for i in node.find_all(exp.Interval)}


def add_interval(node: exp.Expr) -> exp.Expr:
    """date/time/timestamp +- interval with Trino's result types and zones."""
    left, right = node.this, node.expression
    if not isinstance(right, exp.Interval) and isinstance(left, exp.Interval):
        left, right = right, left
    if not isinstance(right, exp.Interval):
        return node
    if is_type(left, "time", "timetz") and _interval_units(right) & set(_YEAR_MONTH):
        operator = "+" if isinstance(node, exp.Add) else "-"
        raise QueryFailed(
            TYPE_MISMATCH,
            f"Cannot apply operator: time(3) {operator} interval year to month",
        )
    zone = zone_of(left)
    if zone is not None:
        moved = type(node)(this=local(left.copy(), zone), expression=right.copy())
        return from_local(moved, zone)
    if is_type(left, "date"):
        return cast(node, "DATE")
    return node


def date_add(node: exp.Expr) -> exp.Expr:
    value = node.this
    unit = node.args.get("unit")
    amount = node.expression
    name = (unit.name if unit is not None else "DAY").upper()
    if name == "MILLISECOND":
        step: exp.Expr = call("TO_MILLISECONDS", amount)
    elif name == "QUARTER":
        step = call("TO_MONTHS", exp.Mul(this=amount, expression=number(3)))
    else:
        step = call(f"TO_{name}S", amount)
    zone = zone_of(value)
    if zone is not None:
        return from_local(exp.Add(this=local(value.copy(), zone), expression=step), zone)
    added = exp.Add(this=value.copy(), expression=step)
    return cast(added, "DATE") if is_type(value, "date") else added


def date_trunc(node: exp.Expr) -> exp.Expr:
    value = node.this
    unit = node.args.get("unit")
    name = string((unit.name if unit is not None else "DAY").lower())
    zone = zone_of(value)
    if zone is not None:
        return from_local(call("DATE_TRUNC", name, local(value.copy(), zone)), zone)
    truncated = call("DATE_TRUNC", name, value.copy())
    return cast(truncated, "DATE") if is_type(value, "date") else truncated


def in_zone(node: exp.Expr) -> exp.Expr:
    """A field of a zoned value, read in its zone."""
    value = node.this if not isinstance(node, exp.Extract) else node.expression
    zone = zone_of(value)
    if zone is None:
        return node
    key = "expression" if isinstance(node, exp.Extract) else "this"
    node.set(key, local(value.copy(), zone))
    return node


def millisecond(node: exp.Anonymous) -> exp.Expr:
    (value,) = node.expressions
    zone = zone_of(value)
    if zone is not None:
        value = local(value.copy(), zone)
    return cast(exp.Mod(this=call("MILLISECOND", value), expression=number(1000)), "BIGINT")


def at_time_zone(node: exp.Expr) -> exp.Expr:
    value = node.this if isinstance(node, exp.AtTimeZone) else node.expressions[0]
    return cast(value, "TIMESTAMPTZ")


def with_timezone(node: exp.Anonymous) -> exp.Expr:
    value, zone = node.expressions
    return from_local(value, zone_literal(zone))


def from_unixtime(node: exp.Expr) -> exp.Expr:
    return call("TO_TIMESTAMP", node.this)


def from_iso8601_timestamp(node: exp.Expr) -> exp.Expr:
    return cast(node.this, "TIMESTAMPTZ")


_MILLIS = "%Y-%m-%d %H:%M:%S.%g"


def cast_zoned(node: exp.Cast) -> exp.Expr:
    """A cast of a zoned value: its local fields; as varchar, Trino's text with the zone."""
    zone = zone_of(node.this)
    if zone is None or node.to.is_type("timestamptz"):
        return node
    fields = local(node.this.copy(), zone)
    if node.to.is_type(*exp.DataType.TEXT_TYPES):
        text = call("STRFTIME", fields, string(_MILLIS))
        return exp.DPipe(this=exp.DPipe(this=text, expression=string(" ")), expression=zone.copy())
    node.set("this", fields)
    return node


def to_iso8601(node: exp.Anonymous) -> exp.Expr:
    (value,) = node.expressions
    if is_type(value, "date"):
        return call("STRFTIME", value, string("%Y-%m-%d"))
    zone = zone_of(value) or string(UTC)
    kind = call("TYPEOF", value.copy())
    stamp = call("STRFTIME", local(value.copy(), zone), string("%Y-%m-%dT%H:%M:%S.%g"))
    zoned = exp.DPipe(
        this=stamp.copy(), expression=call("lh_iso_offset", value.copy(), zone.copy())
    )
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.EQ(this=kind.copy(), expression=string("DATE")),
                true=call("STRFTIME", value.copy(), string("%Y-%m-%d")),
            ),
            exp.If(
                this=exp.EQ(this=kind, expression=string("TIMESTAMP WITH TIME ZONE")),
                true=zoned,
            ),
        ],
        default=stamp,
    )


def _offset_minutes(value: exp.Expr) -> exp.Expr:
    zone = zone_of(value)
    if zone is None:
        return number(0)
    return call(
        "DATE_DIFF", string("minute"), cast(value.copy(), "TIMESTAMP"), local(value.copy(), zone)
    )


def timezone_hour(node: exp.Anonymous) -> exp.Expr:
    minutes = _offset_minutes(node.expressions[0])
    return cast(call("TRUNC", exp.Div(this=minutes, expression=number(60))), "BIGINT")


def timezone_minute(node: exp.Anonymous) -> exp.Expr:
    minutes = _offset_minutes(node.expressions[0])
    return cast(exp.Mod(this=minutes, expression=number(60)), "BIGINT")


def current_timezone(node: exp.Expr) -> exp.Expr:
    return string(UTC)


def format_zoned(node: exp.Expr) -> exp.Expr:
    """date_format / format_datetime of a zoned value: its local fields."""
    return in_zone(node)
