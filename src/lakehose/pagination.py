"""Opaque page tokens (NextToken, Marker) that carry where a listing left off.

A token is URL-safe base64 of a small JSON object. Engines decide which fields they need and
which error a token they did not issue deserves; this module only encodes and decodes.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson


def encode_page_token(fields: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(fields)).decode("ascii")


def decode_page_token(token: str) -> dict[str, Any] | None:
    """The token's fields, or ``None`` when it is not a token lakehose issued."""
    try:
        fields = orjson.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    return fields if isinstance(fields, dict) else None
