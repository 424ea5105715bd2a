"""Tag sets of buckets and objects, checked as S3 checks them.

Both allow keys of 1 to 128 and values of up to 256 characters of letters, digits, spaces and
``_ . : / = + - @``, unique keys and no ``aws:`` prefix; a bucket takes 50 tags, an object 10.
An object's tags may also come as the ``x-amz-tagging`` header, a URL query string.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from lakehose.services.s3.errors import InvalidArgument, InvalidTag

MAX_BUCKET_TAGS = 50
MAX_OBJECT_TAGS = 10
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
_PUNCTUATION = frozenset(" _.:/=+-@")


def _text_ok(text: str) -> bool:
    return all(char.isalnum() or char.isspace() or char in _PUNCTUATION for char in text)


def check(tags: list[Mapping[str, Any]], *, bucket: bool) -> list[dict[str, str]]:
    """A tag set as S3 accepts it (``InvalidTag`` otherwise)."""
    if bucket and len(tags) > MAX_BUCKET_TAGS:
        raise InvalidTag(f"Bucket tag count cannot be greater than {MAX_BUCKET_TAGS}")
    if not bucket and len(tags) > MAX_OBJECT_TAGS:
        raise InvalidTag(f"Object tags cannot be greater than {MAX_OBJECT_TAGS}")
    checked: list[dict[str, str]] = []
    seen: set[str] = set()
    for tag in tags:
        key, value = str(tag.get("Key", "")), str(tag.get("Value", ""))
        if not 1 <= len(key) <= MAX_TAG_KEY or not _text_ok(key):
            raise InvalidTag("The TagKey you have provided is invalid", TagKey=key)
        if len(value) > MAX_TAG_VALUE or not _text_ok(value):
            raise InvalidTag(
                "The TagValue you have provided is invalid", TagKey=key, TagValue=value
            )
        if key.lower().startswith("aws:"):
            message = (
                "System tags cannot be added/updated by requester"
                if bucket
                else "Your TagKey cannot be prefixed with aws:"
            )
            raise InvalidTag(message, TagKey=key)
        if key in seen:
            raise InvalidTag("Cannot provide multiple Tags with the same key", TagKey=key)
        seen.add(key)
        checked.append({"Key": key, "Value": value})
    return checked


def from_header(header: str) -> list[dict[str, str]]:
    """The object tags an ``x-amz-tagging`` header (``k1=v1&k2=v2``, URL-encoded) names."""
    try:
        pairs = parse_qsl(header, keep_blank_values=True, strict_parsing=bool(header))
    except ValueError:
        raise InvalidArgument(
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
            "parameters without tag name duplicates.",
            "x-amz-tagging",
            header,
        ) from None
    return check([{"Key": key, "Value": value} for key, value in pairs], bucket=False)
