"""Primary keys: their schema, AWS's key validation messages, and their byte encodings.

Storage keys every row by ``(hash_order, hash_key, range_key)``:

- ``hash_key`` / ``range_key`` are order-preserving encodings of the key values: strings as UTF-8
  and binaries as their bytes (AWS compares both byte-wise, unsigned), numbers as a sign byte, a
  biased exponent and the significant digits, so that SQLite's byte-wise BLOB comparison orders
  numbers numerically. A Query's sort-key condition is therefore a range scan.
- ``hash_order`` is 63 bits of MD5 of the hash key: AWS keeps partitions in the order of a hash of
  their key, which is why a Scan returns items in no useful order and why a parallel scan's
  segments are slices of that hash space. Storing it first makes both the same here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from lakehose.services.dynamodb.errors import ValidationException, invalid_parameters

Item = dict[str, Any]

# Enough precision that normalize() never rounds a 38-digit DynamoDB number.
_EXACT = Context(prec=64)
MAX_HASH_KEY_BYTES = 2048
MAX_RANGE_KEY_BYTES = 1024
HASH_ORDER_BITS = 63
_NOT_VALID = "One or more parameter values are not valid. "
_EMPTY_WORD = {"S": "string", "B": "binary"}

SCHEMA_MISMATCH = "The provided key element does not match the schema"


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: str  # "S", "N" or "B", from AttributeDefinitions


@dataclass(frozen=True)
class EncodedKey:
    hash_order: int
    hash_key: bytes
    range_key: bytes


@dataclass(frozen=True)
class KeySchema:
    """A table's or an index's key: a hash attribute and an optional range attribute."""

    hash: KeyAttribute
    range: KeyAttribute | None = None

    @property
    def attributes(self) -> tuple[KeyAttribute, ...]:
        return (self.hash,) if self.range is None else (self.hash, self.range)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(attribute.name for attribute in self.attributes)

    def describe(self) -> list[dict[str, str]]:
        """The ``KeySchema`` list of AWS's descriptions."""
        return [
            {"AttributeName": attribute.name, "KeyType": key_type}
            for attribute, key_type in zip(self.attributes, ("HASH", "RANGE"), strict=False)
        ]

    def key_of(self, item: Mapping[str, Any]) -> Item:
        """The key attributes of ``item`` (which must have them), in schema order."""
        return {name: item[name] for name in self.names}

    def covers(self, item: Mapping[str, Any]) -> bool:
        """Whether ``item`` has every key attribute, non-empty, with the schema's type.

        That is an item's membership of an index with this key (a sparse index skips the rest).
        """
        return all(
            (value := item.get(attribute.name)) is not None
            and attribute.type in value
            and (attribute.type == "N" or len(value[attribute.type]) > 0)
            for attribute in self.attributes
        )

    def encode(self, item: Mapping[str, Any]) -> EncodedKey:
        hash_key = encode_scalar(self.hash.type, item[self.hash.name][self.hash.type])
        range_key = (
            b""
            if self.range is None
            else encode_scalar(self.range.type, item[self.range.name][self.range.type])
        )
        return EncodedKey(hash_order(hash_key), hash_key, range_key)

    # -- AWS's validation --------------------------------------------------------------------

    def check_item(self, item: Mapping[str, Any]) -> None:
        """PutItem's checks of the table key inside a whole item."""
        for attribute in self.attributes:
            value = item.get(attribute.name)
            if value is None:
                raise invalid_parameters(f"Missing the key {attribute.name} in the item")
            actual = next(iter(value))
            if actual != attribute.type:
                raise invalid_parameters(
                    f"Type mismatch for key {attribute.name} expected: {attribute.type} "
                    f"actual: {actual}"
                )
            self._check_piece(attribute, value)

    def check_key(self, key: Mapping[str, Any]) -> None:
        """The checks of a ``Key`` parameter (GetItem, UpdateItem, DeleteItem, batches)."""
        if len(key) != len(self.attributes):
            raise ValidationException(SCHEMA_MISMATCH)
        for attribute in self.attributes:
            value = key.get(attribute.name)
            if value is None or attribute.type not in value:
                raise ValidationException(SCHEMA_MISMATCH)
            self._check_piece(attribute, value)

    def check_index_item(self, item: Mapping[str, Any], index_name: str) -> None:
        """An item's values for this index's key attributes, where present, must fit the index."""
        for attribute in self.attributes:
            value = item.get(attribute.name)
            if value is None:
                continue
            actual = next(iter(value))
            if actual != attribute.type:
                raise invalid_parameters(
                    f"Type mismatch for Index Key {attribute.name} Expected: {attribute.type} "
                    f"Actual: {actual} IndexName: {index_name}"
                )
            if attribute.type in _EMPTY_WORD and len(value[actual]) == 0:
                raise ValidationException(
                    _NOT_VALID + "A value specified for a secondary index key is not supported. "
                    f"The AttributeValue for a key attribute cannot contain an empty "
                    f"{_EMPTY_WORD[attribute.type]} value. IndexName: {index_name}, "
                    f"IndexKey: {attribute.name}"
                )

    def _check_piece(self, attribute: KeyAttribute, value: Mapping[str, Any]) -> None:
        content = value[attribute.type]
        if attribute.type in _EMPTY_WORD and len(content) == 0:
            raise ValidationException(
                _NOT_VALID + "The AttributeValue for a key attribute cannot contain an empty "
                f"{_EMPTY_WORD[attribute.type]} value. Key: {attribute.name}"
            )
        if attribute.type == "N":
            return
        size = len(content.encode("utf-8")) if attribute.type == "S" else len(content)
        if attribute is self.hash and size > MAX_HASH_KEY_BYTES:
            # AWS's message really lacks the space before 2048.
            raise invalid_parameters(
                "Size of hashkey has exceeded the maximum size limit of2048 bytes"
            )
        if attribute is not self.hash and size > MAX_RANGE_KEY_BYTES:
            raise invalid_parameters(
                "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
            )


# -- encodings -------------------------------------------------------------------------------


def encode_scalar(kind: str, value: Any) -> bytes:
    """The order-preserving bytes of a key value of type ``kind``."""
    if kind == "S":
        return str(value).encode("utf-8")
    if kind == "B":
        return bytes(value)
    return encode_number(str(value))


def hash_order(hash_key: bytes) -> int:
    """Where a partition sits in the hash space: 63 bits, so it fits a SQLite integer."""
    digest = hashlib.md5(hash_key, usedforsecurity=False).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - HASH_ORDER_BITS)


def segment_bounds(segment: int, total: int) -> tuple[int, int | None]:
    """The half-open slice ``[low, high)`` of the hash space a parallel-scan segment covers.

    The last segment is open-ended: its bound, 2**63, does not fit a SQLite integer.
    """
    space = 1 << HASH_ORDER_BITS
    high = (segment + 1) * space // total
    return segment * space // total, high if high < space else None


def encode_number(text: str) -> bytes:
    """Numbers as bytes whose byte-wise order is numeric order.

    Layout: a class byte (1 negative, 2 zero, 3 positive), then for non-zero numbers the decimal
    exponent biased into two bytes and the significant digits. For negatives every part is
    inverted and a 0xFF terminator added, so that a longer digit string (a larger magnitude
    sharing the prefix) sorts first.
    """
    number = Decimal(text)  # validated already; normalize() drops trailing zeros
    if number.is_zero():
        return b"\x02"
    sign, digits, exponent = number.normalize(_EXACT).as_tuple()
    assert isinstance(exponent, int)
    magnitude = exponent + len(digits)  # position of the decimal point after the first digit
    biased = magnitude + 0x4000
    digit_bytes = bytes(0x30 + d for d in digits)
    if not sign:
        return b"\x03" + biased.to_bytes(2, "big") + digit_bytes
    inverted_digits = bytes(0x69 - b for b in digit_bytes)  # '0'..'9' -> '9'..'0'
    return b"\x01" + (0xFFFF - biased).to_bytes(2, "big") + inverted_digits + b"\xff"


def canonical_key(schema: KeySchema, item: Mapping[str, Any]) -> bytes:
    """One byte string per distinct key value: type tags, lengths and encoded values."""
    parts = []
    for attribute in schema.attributes:
        encoded = encode_scalar(attribute.type, item[attribute.name][attribute.type])
        parts.append(attribute.type.encode() + len(encoded).to_bytes(4, "big") + encoded)
    return b"".join(parts)
