"""Conditional requests, byte ranges and copy sources, as S3 reads them.

Read conditions follow RFC 7232 section 6, which S3 documents for GetObject and HeadObject: an
``If-Match`` that holds makes ``If-Unmodified-Since`` irrelevant, and an ``If-None-Match`` that
fails makes ``If-Modified-Since`` irrelevant. Times compare at whole seconds, the grain of HTTP
dates. Copy sources use the same rules with ``x-amz-copy-source-`` conditions, except that a
copy has nothing to answer 304 with, so every failed condition is ``PreconditionFailed``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote

from lakehose.services.s3.base import unquoted
from lakehose.services.s3.errors import (
    InvalidArgument,
    InvalidRange,
    NoSuchKey,
    NotModified,
    PreconditionFailed,
    UnsupportedHeader,
)
from lakehose.services.s3.store import ObjectRow

_RANGE = re.compile(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", re.ASCII)
_COPY_RANGE = re.compile(r"bytes=(\d+)-(\d+)", re.ASCII)
_COPY_RANGE_FORM = (
    "The x-amz-copy-source-range value must be of the form bytes=first-last where first and "
    "last are the zero-based offsets of the first and last bytes to copy"
)


@dataclass(frozen=True)
class Conditions:
    """The four HTTP preconditions of a read (or of a copy's source)."""

    if_match: str | None = None
    if_none_match: str | None = None
    if_modified_since: datetime | None = None
    if_unmodified_since: datetime | None = None

    def check(self, item: ObjectRow, *, copy: bool = False) -> None:
        """``PreconditionFailed``, or for a read whose copy is current ``NotModified``."""
        prefix = "x-amz-copy-source-" if copy else ""
        if self.if_match is not None:
            if not etag_matches(self.if_match, item.etag):
                raise PreconditionFailed(f"{prefix}If-Match")
        elif self.if_unmodified_since and item.modified > _seconds(self.if_unmodified_since):
            raise PreconditionFailed(f"{prefix}If-Unmodified-Since")
        current = None
        if self.if_none_match is not None:
            if etag_matches(self.if_none_match, item.etag):
                current = "If-None-Match"
        elif self.if_modified_since and item.modified <= _seconds(self.if_modified_since):
            current = "If-Modified-Since"
        if current is not None:
            # A copy has nothing to answer 304 with: its source condition simply failed.
            if copy:
                raise PreconditionFailed(prefix + current)
            # The 304 still names the current representation (RFC 7232 section 4.1).
            modified = datetime.fromtimestamp(item.modified, UTC)
            raise NotModified(ETag=f'"{item.etag}"', LastModified=modified)


def etag_matches(header: str, etag: str) -> bool:
    """Whether an ``If-Match``/``If-None-Match`` list names ``etag`` (or is ``*``)."""
    return any(item == "*" or unquoted(item) == etag for item in map(str.strip, header.split(",")))


def check_write(
    current: ObjectRow | None, key: str, if_match: str | None, if_none_match: str | None
) -> None:
    """Conditional writes: ``If-None-Match: *`` creates only, ``If-Match`` replaces only."""
    if if_none_match is not None:
        if if_none_match.strip() != "*":
            raise UnsupportedHeader("If-None-Match")
        if current is not None:
            raise PreconditionFailed("If-None-Match")
    if if_match is not None:
        if current is None:
            raise NoSuchKey(key)
        if not etag_matches(if_match, current.etag):
            raise PreconditionFailed("If-Match")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as HTTP counts

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range a ``Range`` header selects; ``None`` (the whole object) when it is unusable.

    S3 serves one range; a header it cannot read (several ranges, bad syntax) is ignored, as
    HTTP allows, while a well-formed range outside the object is ``InvalidRange`` (416).
    """
    found = _RANGE.fullmatch(header) if header is not None else None
    if found is None or found.group(1) == found.group(2) == "":
        return None
    first, last = found.groups()
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise InvalidRange(str(header), size)
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None  # not a range at all
    if start >= size:
        raise InvalidRange(str(header), size)
    return ByteRange(start, min(int(last), size - 1) if last else size - 1)


def parse_copy_range(header: str, size: int) -> ByteRange:
    found = _COPY_RANGE.fullmatch(header.strip())
    if found is None or int(found.group(2)) < int(found.group(1)):
        raise InvalidArgument(_COPY_RANGE_FORM, "x-amz-copy-source-range", header)
    start, end = int(found.group(1)), int(found.group(2))
    if end >= size:
        raise InvalidArgument(
            f"Range specified is not valid for source object of size: {size}",
            "x-amz-copy-source-range",
            header,
        )
    return ByteRange(start, end)


def parse_copy_source(header: str) -> tuple[str, str, str | None]:
    """``bucket/key[?versionId=...]`` (URL-encoded, optionally with a leading slash) split up."""
    path, _, query = header.partition("?")
    version = None
    if query:
        name, _, version = query.partition("=")
        if name != "versionId" or not version:
            raise InvalidArgument("Invalid version id specified", "x-amz-copy-source", header)
    bucket, slash, key = unquote(path.removeprefix("/")).partition("/")
    if not slash or not bucket or not key:
        raise InvalidArgument("Invalid copy source object key", "x-amz-copy-source", header)
    return bucket, key, version


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())
