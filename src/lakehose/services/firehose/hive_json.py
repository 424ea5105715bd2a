"""How Firehose's two JSON SerDes fit JSON values into Hive column types.

Firehose's record format conversion reads JSON with one of two deserializers (developer guide,
"Convert input data format"), each with its own leniency:

* OpenX JSON SerDe: numbers and booleans in strings fit numeric and boolean columns, scalars and
  objects fit string columns as their JSON text; keys (``CaseInsensitive``,
  ``ConvertDotsInJsonKeysToUnderscores``, ``ColumnToJsonKeyMappings``, at any depth) and arrays
  (a non-array value is a one-element array, ``""`` a null array) follow the SerDe's shared
  rules in ``lakehose.formats.openx_json``. Timestamps:
  ``yyyy-MM-dd'T'HH:mm:ss[.S]'Z'``, ``yyyy-[M]M-[d]d [H]H:[m]m:[s]s[.S]`` (up to 9 fraction
  digits), epoch seconds, epoch milliseconds (13 digits or more), fractional epoch seconds.
* Hive JSON SerDe: a string in a numeric or boolean column fails, objects are not strings, and
  timestamps are ``java.sql.Timestamp.valueOf`` text or, with the ``millis`` format, epoch ms.

A value that does not fit raises ``Mismatch`` with the text that follows "Data does not match
the schema." (``For input string: "abc"``, as Java's number parsers word it).

Column types are parsed by ``lakehose.formats.hive_types``, the parser Athena uses too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from lakehose.formats.hive_types import HiveType
from lakehose.formats.openx_json import OpenXKeys, array_items

__all__ = ["Mismatch", "SerDeOptions", "convert_value", "parse_documents"]

_INTEGERS = {"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64}
_INTEGER = re.compile(r"[+-]?\d+")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?")
_SPACED = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


class Mismatch(Exception):
    """A value that does not fit its column; the message follows "Data does not match..."."""


@dataclass(frozen=True)
class SerDeOptions:
    """Which SerDe, with its options; ``create`` takes them as the Firehose API names them."""

    openx: bool
    keys: OpenXKeys
    millis: bool

    @classmethod
    def create(
        cls,
        deserializer: str,
        *,
        case_insensitive: bool,
        column_to_json_key_mappings: Mapping[str, str] | None,
        convert_dots_in_json_keys_to_underscores: bool,
        timestamp_formats: Sequence[str],
    ) -> SerDeOptions:
        """Raises ``ValueError`` for an unknown deserializer or a Joda timestamp pattern (only
        ``millis`` is supported); OpenX-only options are ignored for Hive, as Hive has none."""
        if deserializer not in ("OpenXJsonSerDe", "HiveJsonSerDe"):
            raise ValueError(f"unknown deserializer {deserializer}")
        if any(pattern != "millis" for pattern in timestamp_formats):
            raise ValueError("lakehose supports only the 'millis' timestamp format")
        openx = deserializer == "OpenXJsonSerDe"
        mappings = column_to_json_key_mappings if openx else None
        keys = OpenXKeys(
            case_insensitive=case_insensitive or not openx,
            dots_in_keys=openx and convert_dots_in_json_keys_to_underscores,
            mappings={column.lower(): key for column, key in (mappings or {}).items()},
        )
        return cls(openx=openx, keys=keys, millis="millis" in timestamp_formats)


def parse_documents(data: bytes) -> list[Any]:
    """The JSON values of one record (a ``ValueError`` when it is not JSON)."""
    text = data.decode("utf-8")  # UnicodeDecodeError is a ValueError: malformed
    decoder = json.JSONDecoder(parse_float=Decimal)
    documents: list[Any] = []
    pos = _skip_space(text, 0)
    while pos < len(text):
        value, pos = decoder.raw_decode(text, pos)
        documents.append(value)
        pos = _skip_space(text, pos)
    if not documents:
        raise ValueError("No content to map due to end-of-input")
    return documents


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def convert_value(kind: HiveType, value: Any, options: SerDeOptions) -> Any:
    if value is None:
        return None
    converter = _CONVERTERS.get(kind.name, _primitive)
    return converter(kind, value, options)


def _struct(kind: HiveType, value: Any, options: SerDeOptions) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Mismatch(f"A JSON object is required for struct, found {_json_text(value)}")
    plan = options.keys.key_plan(list(value), kind.fields)
    return {
        name: convert_value(child, None if key is None else value[key], options)
        for name, child, key in zip(kind.fields, kind.children, plan, strict=True)
    }


def _array(kind: HiveType, value: Any, options: SerDeOptions) -> list[Any] | None:
    if not isinstance(value, list) and not options.openx:
        raise Mismatch(f"A JSON array is required, found {_json_text(value)}")
    items = array_items(value)
    if items is None:
        return None
    return [convert_value(kind.children[0], item, options) for item in items]


def _map(kind: HiveType, value: Any, options: SerDeOptions) -> list[tuple[Any, Any]]:
    if not isinstance(value, dict):
        raise Mismatch(f"A JSON object is required for map, found {_json_text(value)}")
    # Keys are JSON strings, so a numeric key type must parse them, whichever the SerDe.
    lenient_keys = SerDeOptions(True, OpenXKeys(options.keys.case_insensitive), options.millis)
    key_type, value_type = kind.children
    return [
        (convert_value(key_type, key, lenient_keys), convert_value(value_type, item, options))
        for key, item in value.items()
    ]


def _primitive(kind: HiveType, value: Any, options: SerDeOptions) -> Any:
    if isinstance(value, dict | list):
        if kind.name in ("string", "varchar", "char") and options.openx:
            return _sized(kind, _json_text(value))
        raise Mismatch(f"Cannot convert {_json_text(value)} to {kind.name}")
    if isinstance(value, str) and not options.openx and kind.name not in _TEXT_TYPES:
        raise Mismatch(f'For input string: "{value}"')
    return _SCALARS[kind.name](kind, value, options)


_TEXT_TYPES = ("string", "varchar", "char", "timestamp", "date", "binary")


def _sized(kind: HiveType, text: str) -> str:
    return text[: kind.params[0]] if kind.params and kind.name != "string" else text


def _text(kind: HiveType, value: Any, _options: SerDeOptions) -> str:
    return _sized(kind, _raw(value))


def _integer(kind: HiveType, value: Any, _options: SerDeOptions) -> int:
    text = _raw(value)
    if isinstance(value, bool) or not _INTEGER.fullmatch(text):
        raise Mismatch(f'For input string: "{text}"')
    number, bits = int(text), _INTEGERS[kind.name]
    if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
        raise Mismatch(f'Value out of range. Value:"{text}"')
    return number


def _floating(kind: HiveType, value: Any, _options: SerDeOptions) -> float:
    text = _raw(value)
    try:
        if isinstance(value, bool):
            raise ValueError
        return float(text)
    except ValueError:
        raise Mismatch(f'For input string: "{text}"') from None


def _decimal(kind: HiveType, value: Any, _options: SerDeOptions) -> Decimal:
    precision, scale = kind.decimal()
    text = _raw(value)
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        number = Decimal(text.strip()).quantize(Decimal(1).scaleb(-scale), ROUND_HALF_UP)
    except InvalidOperation:
        raise Mismatch(f'For input string: "{text}"') from None
    if len(number.as_tuple().digits) > precision:
        raise Mismatch(f'Value out of range for decimal({precision},{scale}): "{text}"')
    return number


def _boolean(kind: HiveType, value: Any, _options: SerDeOptions) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise Mismatch(f'For input string: "{_raw(value)}"')


def _timestamp(kind: HiveType, value: Any, options: SerDeOptions) -> int:
    """Nanoseconds since the epoch, wall-clock UTC (Hive timestamps carry no zone)."""
    text = _raw(value)
    epoch = isinstance(value, int | Decimal) and not isinstance(value, bool)
    if options.openx and (epoch or re.fullmatch(r"\d+(\.\d+)?", text)):
        number = Decimal(text)
        if text.isdigit() and len(text) >= 13:  # 13 digits or more: epoch milliseconds
            return int(number) * 1_000_000
        return int(number * 1_000_000_000)
    if not options.openx and options.millis and (epoch or _INTEGER.fullmatch(text)):
        return int(text) * 1_000_000
    match = (_ISO.fullmatch(text) if options.openx else None) or _SPACED.fullmatch(text)
    if match is None:
        raise Mismatch(f'Timestamp format must be yyyy-mm-dd hh:mm:ss[.fffffffff]: "{text}"')
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise Mismatch(f'For input string: "{text}"') from None
    fraction = int((match.group(7) or "").ljust(9, "0"))
    return int(moment.timestamp()) * 1_000_000_000 + fraction


def _date(kind: HiveType, value: Any, _options: SerDeOptions) -> date:
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    try:
        if match is None:
            raise ValueError
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise Mismatch(f'For input string: "{_raw(value)}"') from None


def _binary(kind: HiveType, value: Any, _options: SerDeOptions) -> bytes:
    return _raw(value).encode("utf-8")


def _raw(value: Any) -> str:
    """A scalar as a parser sees it: strings unquoted, everything else as JSON text."""
    return value if isinstance(value, str) else _json_text(value)


def _json_text(value: Any) -> str:
    """JSON text of a parsed value, numbers exactly as written."""
    if isinstance(value, dict):
        items = (f"{json.dumps(k, ensure_ascii=False)}:{_json_text(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


_Converter = Callable[[HiveType, Any, SerDeOptions], Any]
_CONVERTERS: dict[str, _Converter] = {"struct": _struct, "array": _array, "map": _map}
_SCALARS: dict[str, _Converter] = {
    **dict.fromkeys(("string", "varchar", "char"), _text),
    **dict.fromkeys(_INTEGERS, _integer),
    **dict.fromkeys(("double", "float"), _floating),
    "decimal": _decimal,
    "boolean": _boolean,
    "timestamp": _timestamp,
    "date": _date,
    "binary": _binary,
}
