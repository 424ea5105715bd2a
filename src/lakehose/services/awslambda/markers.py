"""Pagination markers of Lambda's list operations: opaque to clients, a position to the engine."""

from __future__ import annotations

import base64
import binascii

from lakehose.services.awslambda.errors import InvalidParameterValueException


def encode_marker(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode()


def decode_marker(marker: str) -> str:
    try:
        return base64.urlsafe_b64decode(marker.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidParameterValueException(f"Invalid marker: {marker}") from None
