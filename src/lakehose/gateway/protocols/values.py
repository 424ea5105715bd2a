"""Scalar encodings shared by the wire protocols: timestamps and blobs."""

from __future__ import annotations

import base64
import binascii
import math
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

TimestampFormat = str  # "iso8601" | "unixTimestamp" | "rfc822"

# botocore shape type names that carry whole and fractional numbers.
INTEGER_TYPES = ("integer", "long", "short", "byte")
FLOAT_TYPES = ("float", "double")


class ValueFormatError(ValueError):
    """A scalar on the wire that does not decode as its shape says."""


def parse_timestamp(value: Any) -> datetime:
    """Epoch seconds (number or numeric string), ISO 8601 or RFC 822, to an aware UTC datetime.

    Every malformed or unrepresentable value raises ``ValueFormatError``: a client's
    ``StreamCreationTimestamp: 1e17`` or ``If-Modified-Since: 99999999999999999999`` is outside
    what ``datetime`` holds (years 1..9999) and must be the client's error, never a crash.
    """
    if isinstance(value, bool):
        raise ValueFormatError(f"{value!r} is not a timestamp")
    if isinstance(value, int | float):
        return _from_epoch(value)
    if not isinstance(value, str):
        raise ValueFormatError(f"{value!r} is not a timestamp")
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return _from_epoch(seconds)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, OverflowError):
            raise ValueFormatError(f"{value!r} is not a timestamp") from None
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # an offset that moves the moment past year 1 or 9999
        raise ValueFormatError(f"{value!r} is not a timestamp") from None


def _from_epoch(seconds: float) -> datetime:
    # fromtimestamp raises ValueError, OverflowError or OSError (by platform) out of range.
    if not math.isfinite(seconds):
        raise ValueFormatError(f"{seconds!r} is not a timestamp")
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise ValueFormatError(f"{seconds!r} is out of the range of timestamps") from None


def to_datetime(value: Any) -> datetime:
    """Engine results may give timestamps as datetimes or epoch seconds."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return parse_timestamp(value)


def format_timestamp(value: Any, fmt: TimestampFormat) -> str | float | int:
    moment = to_datetime(value)
    if fmt == "unixTimestamp":
        seconds = moment.timestamp()
        # Millisecond precision, as AWS sends; whole seconds stay integers.
        rounded = round(seconds, 3)
        return int(rounded) if rounded == int(rounded) else rounded
    if fmt == "rfc822":
        return format_datetime(moment, usegmt=True)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def decode_base64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueFormatError("invalid base64 data") from None


def encode_base64(value: bytes | bytearray | memoryview | str) -> str:
    raw = value.encode() if isinstance(value, str) else bytes(value)
    return base64.b64encode(raw).decode("ascii")


def scalar_from_text(text: str, kind: str) -> Any:
    """A scalar of botocore type ``kind`` written as text (a URI label, query or form value, a
    header); strings come back as they are. Raises ``ValueFormatError`` for malformed text."""
    try:
        if kind in INTEGER_TYPES:
            return int(text.strip())
        if kind in FLOAT_TYPES:
            return float(text.strip())
        if kind == "boolean":
            return {"true": True, "false": False}[text.strip().lower()]
    except (ValueError, KeyError):
        raise ValueFormatError(f"{text!r} is not a {kind}") from None
    if kind == "timestamp":
        return parse_timestamp(text)
    if kind == "blob":
        return decode_base64(text.strip())
    return text
