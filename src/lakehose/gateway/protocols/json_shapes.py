"""JSON values to and from Python values, directed by botocore shapes (json and rest-json).

Decoding is strict about JSON types, as AWS's Coral deserializer is: a number where a string is
expected is a ``SerializationException``, not a silent conversion. Members the shape does not
declare are ignored, as AWS ignores them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from lakehose.gateway.protocols.base import SerializationException
from lakehose.gateway.protocols.values import (
    FLOAT_TYPES,
    INTEGER_TYPES,
    ValueFormatError,
    decode_base64,
    encode_base64,
    format_timestamp,
    parse_timestamp,
)

# JSON has no literal for these; AWS's JSON protocols send them as strings.
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _kind(value: Any) -> str:
    """The Jackson token name AWS's messages use for a JSON value."""
    if value is True:
        return "TRUE_VALUE"
    if value is False:
        return "FALSE_VALUE"
    if isinstance(value, int):
        return "NUMBER_VALUE"
    if isinstance(value, float):
        return "NUMBER_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    if isinstance(value, list):
        return "START_ARRAY"
    return "START_OBJECT"


def _mismatch(value: Any, expected: str) -> SerializationException:
    if isinstance(value, dict):
        return SerializationException("Start of structure or map found where not expected.")
    if isinstance(value, list):
        return SerializationException("Start of list found where not expected")
    return SerializationException(f"{_kind(value)} cannot be converted to {expected}")


def decode(value: Any, shape: Shape) -> Any:
    """A JSON-decoded value checked and converted according to ``shape``."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        if shape.is_document_type:
            return value  # a document is free-form JSON
        if not isinstance(value, dict):
            raise _mismatch(value, "Structure")
        return decode_structure(value, shape)
    if kind == "list":
        assert isinstance(shape, ListShape)
        if not isinstance(value, list):
            raise _mismatch(value, "List")
        return [decode(item, shape.member) for item in value if item is not None]
    if kind == "map":
        assert isinstance(shape, MapShape)
        if not isinstance(value, dict):
            raise _mismatch(value, "Map")
        return {
            decode(key, shape.key): decode(item, shape.value)
            for key, item in value.items()
            if item is not None
        }
    return decode_scalar(value, shape)


def decode_structure(value: Mapping[str, Any], shape: StructureShape) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, member in shape.members.items():
        wire_name = member.serialization.get("name", name)
        if wire_name in value and value[wire_name] is not None:
            result[name] = decode(value[wire_name], member)
    return result


def decode_scalar(value: Any, shape: Shape) -> Any:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            raise _mismatch(value, "String")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _mismatch(value, "Boolean")
        return value
    if kind in INTEGER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _mismatch(value, kind.capitalize())
        if isinstance(value, float) and not value.is_integer():
            raise SerializationException(f"NUMBER_VALUE cannot be converted to {kind.capitalize()}")
        return int(value)
    if kind in FLOAT_TYPES:
        if isinstance(value, str) and value in _NON_FINITE:
            return _NON_FINITE[value]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _mismatch(value, kind.capitalize())
        return float(value)
    if kind == "blob":
        if not isinstance(value, str):
            raise _mismatch(value, "Blob")
        try:
            return decode_base64(value)
        except ValueFormatError:
            raise SerializationException(
                "Base64 encoded value could not be decoded; check the encoding"
            ) from None
    if kind == "timestamp":
        try:
            return parse_timestamp(value)
        except ValueFormatError:
            raise _mismatch(value, "Date") from None
    # "document" and anything newer: passed through as given.
    return value


def encode(value: Any, shape: Shape) -> Any:
    """A Python value as JSON-ready data for ``shape`` (``None`` members are dropped)."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        return value if shape.is_document_type else encode_structure(value, shape)
    if kind == "list":
        assert isinstance(shape, ListShape)
        return [encode(item, shape.member) for item in value]
    if kind == "map":
        assert isinstance(shape, MapShape)
        return {str(key): encode(item, shape.value) for key, item in value.items()}
    if kind == "blob":
        return encode_base64(value)
    if kind == "timestamp":
        return format_timestamp(value, shape.serialization.get("timestampFormat", "unixTimestamp"))
    if kind in INTEGER_TYPES:
        return int(value)
    if kind in FLOAT_TYPES:
        number = float(value)
        if math.isfinite(number):
            return number
        return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_structure(value: Mapping[str, Any], shape: StructureShape) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, member in shape.members.items():
        item = value.get(name)
        if item is None:
            continue
        result[member.serialization.get("name", name)] = encode(item, member)
    return result
