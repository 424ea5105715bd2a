"""Scalar conversions of the OpenX JSON SerDe, as Trino's ``openxjson`` decoders do them.

Each converter takes a non-null Python value from the JSON parser (``str``, ``int``, ``float``,
``bool``, ``dict`` or ``list``) and returns the column's value, None where Trino writes NULL
(a value that does not parse, or is out of range), or raises ``BadValue`` where Trino fails the
query (an object or array given to a numeric or temporal column). The rules, from Trino's
``OpenXJsonDeserializer`` (lib/trino-hive-formats, openxjson/README.md):

* integers: decimal, hex ``0x1F`` and octal ``017`` text, else any ``BigDecimal`` truncated
  toward zero; out of the type's range is NULL;
* doubles: ``Double.parseDouble`` text (``NaN``, ``Infinity`` too);
* decimals: ``BigDecimal`` rounded half-up to the scale, NULL past the precision;
* booleans: true only for text equal to ``true`` ignoring case;
* strings: any value, objects and arrays rendered back to compact JSON, numbers canonicalized;
* dates: ``yyyy-MM-dd`` (anything after a space ignored), or a number of days;
* timestamps: ISO with ``Z`` or an offset (converted to UTC), Hive ``yyyy-MM-dd HH:mm:ss[.f]``,
  or epoch seconds, milliseconds (13 or more characters) or decimal seconds.

The parser gives numbers as ``int``/``float`` rather than their text, so a number bound for a
string column is written in its shortest form (``1.50`` becomes ``1.5``); see deviations.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import orjson

from lakehose.formats.hive_types import HiveType

Converter = Callable[[Any], Any]

_JAVA_LONG = re.compile(r"[+-]?\d+")
# ``\d+(?:\.\d*)?``, not ``\d+\.?\d*``: the latter can split a run of digits every way, which
# made refusing a long digit string in a data file quadratic.
_DECIMAL = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_BIG_DECIMAL = re.compile(rf"[+-]?{_DECIMAL}")
_JAVA_DOUBLE = re.compile(rf"[+-]?(?:NaN|Infinity|{_DECIMAL}[fFdD]?)")
_HEX = re.compile(r"0[xX]([0-9a-fA-F]+)")
_OCTAL = re.compile(r"0([0-7]+)")
_HIVE_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?: .*)?", re.DOTALL)
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})([T ])(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(?:([zZ])|([+-])(\d{2}):?(\d{2}))?"
)
_EPOCH = datetime(1970, 1, 1)
_RANGES = {
    "tinyint": (-(2**7), 2**7 - 1),
    "smallint": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}
_COERCED_NAMES = {"int": "an INTEGER", "bigint": "a BIGINT", "smallint": "a SMALLINT"}


class BadValue(Exception):
    """A value Trino refuses outright (the query fails with BAD_DATA)."""


def text_of(value: Any) -> str:
    """A scalar as the JSON text Trino keeps for it (numbers canonicalized)."""
    if type(value) is str:
        return value
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is float:
        if value != value:
            return "NaN"
        if abs(value) == float("inf"):
            return "Infinity" if value > 0 else "-Infinity"
        return str(Decimal(repr(value)))
    if type(value) is int:
        return str(value)
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _scalar(value: Any, target: str) -> Any:
    if isinstance(value, (dict, list)):
        kind = "Map" if isinstance(value, dict) else "List"
        raise BadValue(f"Failed to parse value: {kind} can not be coerced to {target}")
    return value


def parse_long(value: Any) -> int | None:
    """Trino's ``parseLong``: decimal, hex, octal, else a truncated ``BigDecimal``."""
    if type(value) is int:
        return value
    if type(value) is float:
        return int(value) if value == value and abs(value) != float("inf") else None
    text = text_of(value)
    number = _decimal_hex_octal(text)
    if number is None and _BIG_DECIMAL.fullmatch(text):
        return int(Decimal(text).to_integral_value(rounding=ROUND_DOWN))
    return number


def _decimal_hex_octal(text: str) -> int | None:
    """Trino's ``parseDecimalHexOctalLong``: ``0x1F``, ``017`` or a Java long."""
    hexadecimal = _HEX.fullmatch(text)
    if hexadecimal:
        return int(hexadecimal.group(1), 16)
    octal = _OCTAL.fullmatch(text)
    if octal:
        return int(octal.group(1), 8)
    return int(text) if _JAVA_LONG.fullmatch(text) else None


def _integer(name: str) -> Converter:
    low, high = _RANGES[name]
    target = _COERCED_NAMES.get(name, "a TINYINT")

    def convert(value: Any) -> int | None:
        if type(value) is int:
            return value if low <= value <= high else None
        if type(value) is str and value.isascii() and value.isdigit() and value[0] != "0":
            number: int | None = int(value)  # the common quoted number, e.g. DynamoDB's "123"
        else:
            number = parse_long(_scalar(value, target))
        return number if number is not None and low <= number <= high else None

    return convert


def _double(value: Any) -> float | None:
    if type(value) is float or type(value) is int:
        return float(value)
    text = text_of(_scalar(value, "a DOUBLE")).strip()
    if not _JAVA_DOUBLE.fullmatch(text):
        return None
    return float(text.rstrip("fFdD").replace("Infinity", "inf"))


def _real(value: Any) -> float | None:
    return _double(_scalar(value, "a REAL"))


def _boolean(value: Any) -> bool:
    return value is True or (type(value) is str and value.lower() == "true")


def _decimal(precision: int, scale: int) -> Converter:
    quantum = Decimal(1).scaleb(-scale)
    limit = Decimal(10) ** (precision - scale)

    def convert(value: Any) -> Decimal | None:
        text = text_of(_scalar(value, f"a decimal({precision},{scale})"))
        if not _BIG_DECIMAL.fullmatch(text):
            return None
        try:
            rounded = Decimal(text).quantize(quantum, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            return None
        return rounded if abs(rounded) < limit else None

    return convert


def _varchar(length: int | None, pad: bool) -> Converter:
    def convert(value: Any) -> str:
        text = value if type(value) is str else text_of(value)
        if length is not None:
            text = text[:length]
        return text.rstrip(" ") if pad else text

    return convert


def _string(value: Any) -> str:
    return value if type(value) is str else text_of(value)


def _date(value: Any) -> date | None:
    text = text_of(_scalar(value, "a DATE"))
    match = _HIVE_DATE.fullmatch(text)
    try:
        if match:
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
        days = _decimal_hex_octal(text)
        return None if days is None else _EPOCH.date() + timedelta(days=days)
    except (ValueError, OverflowError):
        return None


def parse_timestamp(text: str) -> datetime | None:
    """Trino's ``TimestampDecoder.parseTimestamp`` with the built-in formats, in UTC."""
    try:
        if ":" in text[1:]:
            return _timestamp_text(text)
        if not text or text.strip("-+.0123456789"):
            return None
        if "." in text:
            millis = int((Decimal(text) * 1000).to_integral_value(rounding=ROUND_DOWN))
            return _EPOCH + timedelta(milliseconds=millis)
        number = int(text)
        if len(text) >= 13:
            return _EPOCH + timedelta(milliseconds=number)
        return _EPOCH + timedelta(seconds=number)
    except (ValueError, OverflowError, InvalidOperation):
        return None


def _timestamp_text(text: str) -> datetime | None:
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    zoned = bool(match.group(9) or match.group(10))
    # ISO_LOCAL_DATE_TIME needs the 'T' when a zone is given; Hive's own format has a space.
    if zoned and match.group(4) != "T":
        return None
    year, month, day = (int(match.group(i)) for i in range(1, 4))
    hour, minute, second = int(match.group(5)), int(match.group(6)), int(match.group(7) or 0)
    fraction = (match.group(8) or "").ljust(6, "0")[:6]
    moment = datetime(year, month, day, hour, minute, second, int(fraction))
    if match.group(10):
        offset = timedelta(hours=int(match.group(11)), minutes=int(match.group(12)))
        moment = moment - offset if match.group(10) == "+" else moment + offset
    # Athena's Hive timestamps are timestamp(3): keep milliseconds.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _timestamp(value: Any) -> datetime | None:
    return parse_timestamp(text_of(_scalar(value, "a timestamp(3)")))


def _binary(value: Any) -> bytes | None:
    if type(value) is not str:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def scalar_converter(hive: HiveType) -> Converter:
    """The converter for a primitive column type."""
    name = hive.name
    if name in _RANGES:
        return _integer(name)
    if name == "string":
        return _string
    if name in ("varchar", "char"):
        return _varchar(hive.params[0] if hive.params else None, name == "char")
    if name == "double":
        return _double
    if name == "float":
        return _real
    if name == "boolean":
        return _boolean
    if name == "decimal":
        return _decimal(*hive.decimal())
    if name == "date":
        return _date
    if name == "timestamp":
        return _timestamp
    if name == "binary":
        return _binary
    raise ValueError(f"no JSON converter for {name}")
