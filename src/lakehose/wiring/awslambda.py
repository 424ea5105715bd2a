"""Lambda's ``CodeSource`` port fulfilled by the S3 engine (part of ``runtime.py``'s wiring)."""

from __future__ import annotations

from lakehose.errors import ServiceError
from lakehose.registry import EngineLookup, EngineSource
from lakehose.services.awslambda.ports import CodeObjectMissing
from lakehose.services.s3 import S3Engine


class S3CodeSource:
    """Function code from ``Code.S3Bucket`` / ``S3Key``, looked up per read (S3 may be replaced)."""

    def __init__(self, engines: EngineSource) -> None:
        self._s3 = EngineLookup(
            engines,
            "s3",
            S3Engine,
            missing=lambda: CodeObjectMissing(
                "NoSuchBucket", "The specified bucket does not exist"
            ),
        )

    def read_object(self, bucket: str, key: str) -> bytes:
        s3 = self._s3()
        try:
            return s3.get_object_bytes(bucket, key)
        except ServiceError as error:
            if error.error_code in ("NoSuchBucket", "NoSuchKey"):
                raise CodeObjectMissing(error.error_code, error.message) from None
            raise
