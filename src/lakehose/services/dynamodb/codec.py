"""Items as JSON bytes: for storage, and in AWS's AttributeValue JSON for change records.

Items travel as wire dicts whose binary values (``B`` and the members of ``BS``) are ``bytes``.
JSON has no bytes, so they are written as base64 strings, exactly as the AttributeValue JSON
AWS's wire and KDS records use. Reading them back must turn those strings into bytes again, which
needs a walk through the item; a one-byte tag in front of the stored JSON records whether the item
held any binary at all, so the common case skips the walk.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from lakehose.formats.attribute_values import restore_binary

Item = dict[str, Any]

_PLAIN = b"J"  # stored JSON with no binary values
_BINARY = b"B"  # stored JSON with at least one B / BS value, base64-encoded


class _BinarySeen:
    """An orjson ``default`` hook that base64-encodes bytes and remembers that it did."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, value: Any) -> Any:
        if isinstance(value, bytes | bytearray | memoryview):
            self.seen = True
            return base64.b64encode(bytes(value)).decode("ascii")
        raise TypeError(f"cannot encode {type(value).__name__} in an item")


def to_json(value: Any) -> bytes:
    """Compact JSON, non-ASCII raw, binary as base64: AWS's AttributeValue JSON."""
    return orjson.dumps(value, default=_BinarySeen())


def dump_item(item: Item) -> bytes:
    """An item as the bytes the store keeps."""
    hook = _BinarySeen()
    body = orjson.dumps(item, default=hook)
    return (_BINARY if hook.seen else _PLAIN) + body


def load_item(data: bytes) -> Item:
    """The item ``dump_item`` stored."""
    item: Item = orjson.loads(data[1:])
    if data[:1] == _BINARY:
        for value in item.values():
            restore_binary(value)
    return item
