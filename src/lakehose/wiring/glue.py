"""Glue's ``ObjectSource`` port (what crawlers read) fulfilled by the S3 engine."""

from __future__ import annotations

from collections.abc import Sequence

from lakehose.errors import LakehoseError
from lakehose.registry import EngineLookup, EngineSource
from lakehose.services.glue.ports import ObjectInfo
from lakehose.services.s3 import S3Engine


class S3Objects:
    """Objects under a crawler's S3 targets, looked up per call (S3 may be replaced)."""

    def __init__(self, engines: EngineSource) -> None:
        self._s3 = EngineLookup(
            engines,
            "s3",
            S3Engine,
            missing=lambda: LakehoseError("the S3 engine is not available to crawl"),
        )

    def list_keys(self, bucket: str, prefix: str) -> Sequence[ObjectInfo]:
        return self._s3().list_keys(bucket, prefix)

    def get_object_bytes(self, bucket: str, key: str) -> bytes:
        return self._s3().get_object_bytes(bucket, key)
