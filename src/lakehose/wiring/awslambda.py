"""Lambda's ``CodeSource`` port fulfilled by the S3 engine (part of ``runtime.py``'s wiring)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehose.errors import ServiceError
from lakehose.services.awslambda.ports import CodeObjectMissing

if TYPE_CHECKING:
    from lakehose.runtime import Lakehose


class S3CodeSource:
    """Function code from ``Code.S3Bucket`` / ``S3Key``, looked up per read (S3 may be replaced)."""

    def __init__(self, runtime: Lakehose) -> None:
        self.runtime = runtime

    def read_object(self, bucket: str, key: str) -> bytes:
        from lakehose.services.s3 import S3Engine

        s3 = self.runtime.engine("s3")
        if not isinstance(s3, S3Engine):
            raise CodeObjectMissing("NoSuchBucket", "The specified bucket does not exist")
        try:
            return s3.get_object_bytes(bucket, key)
        except ServiceError as error:
            if error.error_code in ("NoSuchBucket", "NoSuchKey"):
                raise CodeObjectMissing(error.error_code, error.message) from None
            raise
