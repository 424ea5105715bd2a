"""Amazon S3: buckets and objects, durable on the filesystem, with a port for other engines."""

from lakehose.services.s3.engine import S3Engine
from lakehose.services.s3.port import ObjectSummary

__all__ = ["ObjectSummary", "S3Engine"]
