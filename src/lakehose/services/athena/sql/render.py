"""Result values as Athena returns them: every value a string, rendered as Trino's client
renders it in Athena's results (types are read from DuckDB's description, see ``duck_types``):

* doubles and reals as Java's ``Double.toString`` / ``Float.toString`` (``150.0``, ``1.0E10``);
* decimals with their scale (``1.50``), timestamps with milliseconds
  (``2024-01-02 03:04:05.000``, ``... UTC`` with a zone), booleans ``true`` / ``false``;
* arrays ``[1, 2]``, maps ``{k=v}``, rows ``{a=1, b=x}`` (an unnamed row's fields are
  ``field0``, ``field1``...), with ``null`` for a NULL inside them; varbinary as spaced hex bytes
  (``68 65``);
* intervals as Trino prints them: day to second ``1 21:00:00.000``, year to month ``3-5`` (a
  column is year to month when a value has months: DuckDB has one interval type);
* a ``timestamp with time zone`` in the zone it carries (``... America/Los_Angeles``): the
  query gives each zoned column's zones next to it (``zones``).

A NULL value is None. ``sum`` over integers is a HUGEINT in DuckDB and a bigint in Trino.
"""

from __future__ import annotations

import math
import struct
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc
from duckdb.sqltypes import DuckDBPyType

from lakehose.services.athena.sql.duck_types import fields, year_month


def java_double(value: float) -> str:
    """Java's ``Double.toString``: plain from 1e-3 to 1e7, else ``d.dddE<n>``."""
    return _java_float(value, repr(value))


def java_float(value: float) -> str:
    """Java's ``Float.toString``: the shortest digits that read back as the same float32."""
    packed = struct.pack("<f", value)
    digits = repr(value)
    for precision in range(1, 10):
        candidate = f"{value:.{precision}g}"
        if struct.pack("<f", float(candidate)) == packed:
            digits = candidate
            break
    return _java_float(value, digits)


def _java_float(value: float, shortest: str) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    number = Decimal(shortest)
    if 1e-3 <= abs(value) < 1e7:
        text = format(number, "f")
        return text if "." in text else text + ".0"
    sign, digits, exponent = number.normalize().as_tuple()
    mantissa = "".join(map(str, digits))
    power = exponent + len(mantissa) - 1  # type: ignore[operator]
    fraction = mantissa[1:] or "0"
    return f"{'-' if sign else ''}{mantissa[0]}.{fraction}E{power}"


def _timestamp(value: datetime, zone: str | None = None) -> str:
    if value.tzinfo is not None and zone not in (None, "UTC"):
        value = value.astimezone(_tzinfo(str(zone)))
    text = value.strftime("%Y-%m-%d %H:%M:%S") + f".{value.microsecond // 1000:03d}"
    return f"{text} {zone or 'UTC'}" if value.tzinfo is not None else text


def _tzinfo(zone: str) -> Any:
    if zone[:1] in "+-":
        sign = -1 if zone[0] == "-" else 1
        hours, _, minutes = zone[1:].partition(":")
        return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))
    return ZoneInfo(zone)


def _interval(value: pa.MonthDayNano, year_month: bool) -> str:
    if year_month:
        months = value.months
        sign = "-" if months < 0 else ""
        years, rest = divmod(abs(months), 12)
        return f"{sign}{years}-{rest}"
    millis = value.days * 86_400_000 + value.nanoseconds // 1_000_000
    sign = "-" if millis < 0 else ""
    days, rest = divmod(abs(millis), 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{sign}{days} {hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def render_value(value: Any, kind: DuckDBPyType, nested: bool = False) -> str | None:
    """One value as Athena shows it (None for NULL at top level, ``null`` inside a value)."""
    if value is None:
        return "null" if nested else None
    identifier = kind.id
    if identifier in ("list", "array"):
        element = fields(kind)[0][1]
        return "[" + ", ".join(str(render_value(v, element, True)) for v in value) + "]"
    if identifier == "map":
        key_type, value_type = (child for _, child in fields(kind))
        return (
            "{"
            + ", ".join(
                f"{render_value(k, key_type, True)}={render_value(v, value_type, True)}"
                for k, v in value
            )
            + "}"
        )
    if identifier in ("struct", "tuple"):
        items = list(value.values()) if isinstance(value, dict) else list(value)
        parts = [
            f"{name if identifier == 'struct' else f'field{i}'}={render_value(item, child, True)}"
            for i, ((name, child), item) in enumerate(zip(fields(kind), items, strict=False))
        ]
        return "{" + ", ".join(parts) + "}"
    return _scalar(value, identifier)


def _scalar(value: Any, identifier: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if identifier == "double":
        return java_double(float(value))
    if identifier == "float":
        return java_float(float(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, time):
        return value.strftime("%H:%M:%S") + f".{value.microsecond // 1000:03d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return " ".join(f"{byte:02x}" for byte in value)
    if isinstance(value, pa.MonthDayNano):
        return _interval(value, bool(value.months))
    return str(value)


_FAST = (pa.types.is_integer, pa.types.is_boolean, pa.types.is_string, pa.types.is_date32)


def render_column(
    column: pa.ChunkedArray, kind: DuckDBPyType, zones: list[str | None] | None = None
) -> list[str | None]:
    """A whole result column as text; integers, booleans, strings and dates in Arrow.
    ``zones`` gives a zoned timestamp column's zone of each row."""
    if zones is not None:
        return [
            None if v is None else _timestamp(v, zone)
            for v, zone in zip(column.to_pylist(), zones, strict=True)
        ]
    if kind.id == "interval":
        months = year_month(column)
        return [None if v is None else _interval(v, months) for v in column.to_pylist()]
    if kind.id == "hugeint":
        column = pc.cast(column, pa.int64())
    if any(test(column.type) for test in _FAST) and kind.id not in ("uuid",):
        values: list[str | None] = pc.cast(column, pa.string()).to_pylist()
        return values
    return [render_value(v, kind) for v in column.to_pylist()]
