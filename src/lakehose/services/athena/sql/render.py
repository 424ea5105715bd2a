"""Result values as Athena returns them: every value a string, rendered as Trino's client
renders it in Athena's results (types are read from DuckDB's description, see ``duck_types``):

* doubles and reals as Java's ``Double.toString`` / ``Float.toString`` (``150.0``, ``1.0E10``);
* decimals with their scale (``1.50``), timestamps with milliseconds
  (``2024-01-02 03:04:05.000``, ``... UTC`` with a zone), booleans ``true`` / ``false``;
* arrays ``[1, 2]``, maps ``{k=v}``, rows ``{a=1, b=x}`` (unnamed rows ``{1, x}``), with
  ``null`` for a NULL inside them; varbinary as spaced hex bytes (``68 65``).

A NULL value is None. ``sum`` over integers is a HUGEINT in DuckDB and a bigint in Trino.
"""

from __future__ import annotations

import math
import struct
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from duckdb.sqltypes import DuckDBPyType

from lakehose.services.athena.sql.duck_types import fields


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


def _timestamp(value: datetime) -> str:
    text = value.strftime("%Y-%m-%d %H:%M:%S") + f".{value.microsecond // 1000:03d}"
    return text + " UTC" if value.tzinfo is not None else text


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
            str(render_value(item, child, True))
            if identifier == "tuple"
            else f"{name}={render_value(item, child, True)}"
            for (name, child), item in zip(fields(kind), items, strict=False)
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
        seconds = value.nanoseconds / 1e9
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{value.days} {int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"
    return str(value)


_FAST = (pa.types.is_integer, pa.types.is_boolean, pa.types.is_string, pa.types.is_date32)


def render_column(column: pa.ChunkedArray, kind: DuckDBPyType) -> list[str | None]:
    """A whole result column as text; integers, booleans, strings and dates in Arrow."""
    if kind.id == "hugeint":
        column = pc.cast(column, pa.int64())
    if any(test(column.type) for test in _FAST) and kind.id not in ("uuid",):
        values: list[str | None] = pc.cast(column, pa.string()).to_pylist()
        return values
    return [render_value(v, kind) for v in column.to_pylist()]
