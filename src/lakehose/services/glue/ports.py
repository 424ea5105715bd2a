"""What the Glue engine needs from other services: objects to crawl.

``runtime.py`` fulfils ``ObjectSource`` with the S3 engine; tests may pass any object with these
methods. Methods raise the object store's own ``ServiceError`` (``NoSuchBucket``, ``NoSuchKey``),
which a crawl reports as its failure, as Glue reports S3 errors in ``LastCrawl.ErrorMessage``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class ObjectInfo(Protocol):
    """One object as a listing shows it."""

    @property
    def key(self) -> str: ...

    @property
    def size(self) -> int: ...


class ObjectSource(Protocol):
    """Read access to S3 objects, as a crawler's role would have it."""

    def list_keys(self, bucket: str, prefix: str) -> Sequence[ObjectInfo]:
        """Every object under ``prefix``, in S3's listing order."""
        ...

    def get_object_bytes(self, bucket: str, key: str) -> bytes:
        """The object's content."""
        ...
