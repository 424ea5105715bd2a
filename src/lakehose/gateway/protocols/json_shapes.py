"""JSON values to and from Python values, directed by botocore shapes (json and rest-json).

Decoding is strict about JSON types, as AWS's Coral deserializer is: a number where a string is
expected is a ``SerializationException``, not a silent conversion. Members the shape does not
declare are ignored, as AWS ignores them.

``JsonShapes`` walks the shapes; the few rules that differ between body encodings (how blobs,
timestamps and non-finite floats travel, what counts as null) are its hook methods, so CBOR
(``cbor_shapes``), which carries JSON's data model in binary, overrides only those.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
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
# Containers the shape walk descends through before it stops (see ``JsonShapes.decode``).
MAX_DECODE_DEPTH = 100


class JsonShapes:
    """Checks and converts decoded body values by shape, and prepares results for encoding."""

    # -- the walk -----------------------------------------------------------------------------

    def decode(self, value: Any, shape: Shape, depth: int = 0) -> Any:
        """A decoded body value checked and converted according to ``shape``.

        ``depth`` counts the containers above ``value``. Past ``MAX_DECODE_DEPTH`` a recursive
        shape's value is passed on as it came, unwalked: every AWS nesting limit lies far below
        (DynamoDB's 32 attribute-value levels), so the engine refuses it with AWS's own message,
        and no request can make the walk recurse without bound.
        """
        kind = shape.type_name
        if depth > MAX_DECODE_DEPTH and kind in ("structure", "list", "map"):
            return value
        if kind == "structure":
            assert isinstance(shape, StructureShape)
            if shape.is_document_type:
                return value  # a document is free-form
            if not isinstance(value, dict):
                raise self.mismatch(value, "Structure")
            return self.decode_structure(value, shape, depth)
        if kind == "list":
            assert isinstance(shape, ListShape)
            if not isinstance(value, list):
                raise self.mismatch(value, "List")
            return [
                self.decode(item, shape.member, depth + 1)
                for item in value
                if not self.is_null(item)
            ]
        if kind == "map":
            assert isinstance(shape, MapShape)
            if not isinstance(value, dict):
                raise self.mismatch(value, "Map")
            return {
                self.decode(key, shape.key): self.decode(item, shape.value, depth + 1)
                for key, item in value.items()
                if not self.is_null(item)
            }
        return self.decode_scalar(value, shape)

    def decode_structure(
        self, value: Mapping[str, Any], shape: StructureShape, depth: int = 0
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, member in shape.members.items():
            wire_name = self.wire_name(name, member)
            if wire_name in value and not self.is_null(value[wire_name]):
                result[name] = self.decode(value[wire_name], member, depth + 1)
        return result

    def decode_scalar(self, value: Any, shape: Shape) -> Any:
        kind = shape.type_name
        if kind == "string":
            if not isinstance(value, str):
                raise self.mismatch(value, "String")
            return value
        if kind == "boolean":
            if not isinstance(value, bool):
                raise self.mismatch(value, "Boolean")
            return value
        if kind in INTEGER_TYPES:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.mismatch(value, kind.capitalize())
            if isinstance(value, float) and not value.is_integer():
                raise SerializationException(
                    f"NUMBER_VALUE cannot be converted to {kind.capitalize()}"
                )
            return int(value)
        if kind in FLOAT_TYPES:
            return self.decode_float(value, kind)
        if kind == "blob":
            return self.decode_blob(value)
        if kind == "timestamp":
            return self.decode_timestamp(value)
        # "document" and anything newer: passed through as given.
        return value

    def encode(self, value: Any, shape: Shape) -> Any:
        """A Python value as encoder-ready data for ``shape`` (``None`` members are dropped)."""
        kind = shape.type_name
        if kind == "structure":
            assert isinstance(shape, StructureShape)
            return value if shape.is_document_type else self.encode_structure(value, shape)
        if kind == "list":
            assert isinstance(shape, ListShape)
            return [self.encode(item, shape.member) for item in value]
        if kind == "map":
            assert isinstance(shape, MapShape)
            return {str(key): self.encode(item, shape.value) for key, item in value.items()}
        if kind == "blob":
            return self.encode_blob(value)
        if kind == "timestamp":
            return self.encode_timestamp(value, shape)
        if kind in INTEGER_TYPES:
            return int(value)
        if kind in FLOAT_TYPES:
            return self.encode_float(float(value))
        if isinstance(value, Decimal):
            return str(value)
        return value

    def encode_structure(self, value: Mapping[str, Any], shape: StructureShape) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, member in shape.members.items():
            item = value.get(name)
            if item is None:
                continue
            result[self.wire_name(name, member)] = self.encode(item, member)
        return result

    # -- what differs between body encodings ---------------------------------------------------

    def wire_name(self, name: str, member: Shape) -> str:
        """The key a structure member travels under."""
        return str(member.serialization.get("name", name))

    def is_null(self, value: Any) -> bool:
        return value is None

    def kind(self, value: Any) -> str:
        """The Jackson token name AWS's messages use for a decoded value."""
        if value is True:
            return "TRUE_VALUE"
        if value is False:
            return "FALSE_VALUE"
        if isinstance(value, int | float):
            return "NUMBER_VALUE"
        if isinstance(value, str):
            return "STRING_VALUE"
        if isinstance(value, list):
            return "START_ARRAY"
        return "START_OBJECT"

    def mismatch(self, value: Any, expected: str) -> SerializationException:
        if isinstance(value, dict):
            return SerializationException("Start of structure or map found where not expected.")
        if isinstance(value, list):
            return SerializationException("Start of list found where not expected")
        return SerializationException(f"{self.kind(value)} cannot be converted to {expected}")

    def decode_float(self, value: Any, kind: str) -> float:
        if isinstance(value, str) and value in _NON_FINITE:
            return _NON_FINITE[value]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.mismatch(value, kind.capitalize())
        return float(value)

    def decode_blob(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise self.mismatch(value, "Blob")
        try:
            return decode_base64(value)
        except ValueFormatError:
            raise SerializationException(
                "Base64 encoded value could not be decoded; check the encoding"
            ) from None

    def decode_timestamp(self, value: Any) -> datetime:
        try:
            return parse_timestamp(value)
        except ValueFormatError:
            raise self.mismatch(value, "Date") from None

    def encode_blob(self, value: Any) -> Any:
        return encode_base64(value)

    def encode_timestamp(self, value: Any, shape: Shape) -> Any:
        return format_timestamp(value, shape.serialization.get("timestampFormat", "unixTimestamp"))

    def encode_float(self, number: float) -> Any:
        if math.isfinite(number):
            return number
        return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")


JSON = JsonShapes()
decode = JSON.decode
decode_structure = JSON.decode_structure
decode_scalar = JSON.decode_scalar
encode = JSON.encode
encode_structure = JSON.encode_structure
