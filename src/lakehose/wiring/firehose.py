"""Firehose's ports fulfilled by the Kinesis, S3, Lambda and Glue engines (``runtime.py`` wiring).

Every adapter looks its engine up on each call, because ``Lakehose.register`` may replace it, and
translates the engine's AWS errors into the port's own exceptions, so the Firehose engine never
sees another service's error classes. A stream or function is looked up in the account and region
its ARN names, a Glue table in the delivery stream's own account and the configured region (or
its own); buckets are global.

The Kinesis adapter reads with the public ``get_shard_iterator`` / ``get_records`` operations; the
tip of each shard (the sequence number of its latest record, for "start at LATEST when the
delivery stream is created") comes from the engine's ``shard_positions``, because no AWS
operation returns it.
"""

from __future__ import annotations

from typing import Any

from lakehose.errors import LakehoseError, ServiceError
from lakehose.registry import EngineLookup, EngineSource
from lakehose.scopes import Scope, is_region, scope_of_arn
from lakehose.services.awslambda import LambdaEngine
from lakehose.services.firehose.ports import (
    CatalogTableMissing,
    DestinationUnavailable,
    LambdaInvokeError,
    LambdaReply,
    ShardPage,
    SourceEntry,
    SourceShard,
    SourceUnavailable,
)
from lakehose.services.glue import GlueEngine
from lakehose.services.kinesis import KinesisEngine
from lakehose.services.s3 import S3Engine

_MISSING_OBJECT = ("NoSuchKey", "NotFound", "404")
# A reader over the throughput limits is not failing: it reads again on the next tick.
_TRY_AGAIN = ("ProvisionedThroughputExceededException", "LimitExceededException")


class KinesisSource:
    """``ports.StreamSourcePort`` over the Kinesis engine."""

    def __init__(self, engines: EngineSource, scope: Scope | None = None) -> None:
        self.scope = scope or engines.scope
        self._lookup = EngineLookup(
            engines,
            "kinesis",
            KinesisEngine,
            missing=lambda: SourceUnavailable("the Kinesis engine is not running"),
            refused=lambda error: SourceUnavailable(error.message),
        )

    def _kinesis(self, stream_arn: str) -> KinesisEngine:
        return self._lookup(scope_of_arn(stream_arn, self.scope))

    def shards(self, stream_arn: str) -> list[SourceShard]:
        try:
            positions = self._kinesis(stream_arn).shard_positions(stream_arn)
        except ServiceError as error:
            raise SourceUnavailable(error.message) from None
        return [SourceShard(p.shard_id, p.parents, p.closed, p.tip) for p in positions]

    def read(
        self, stream_arn: str, shard_id: str, after_sequence: str | None, limit: int
    ) -> ShardPage:
        kinesis = self._kinesis(stream_arn)
        try:
            iterator = kinesis.get_shard_iterator(
                stream_arn=stream_arn,
                shard_id=shard_id,
                shard_iterator_type="TRIM_HORIZON"
                if after_sequence is None
                else "AFTER_SEQUENCE_NUMBER",
                starting_sequence_number=after_sequence,
            )["ShardIterator"]
            page: dict[str, Any] = kinesis.get_records(shard_iterator=iterator, limit=limit)
        except ServiceError as error:
            if error.error_code in _TRY_AGAIN:
                return ShardPage((), False)
            if error.error_code == "ResourceNotFoundException" and self._exists(stream_arn):
                return ShardPage((), True)  # retention removed the closed shard: nothing to read
            raise SourceUnavailable(error.message) from None
        records = tuple(
            SourceEntry(
                sequence_number=record["SequenceNumber"],
                arrival_ms=int(record["ApproximateArrivalTimestamp"].timestamp() * 1000),
                partition_key=record["PartitionKey"],
                data=bytes(record["Data"]),
            )
            for record in page["Records"]
        )
        return ShardPage(records, "NextShardIterator" not in page)

    def _exists(self, stream_arn: str) -> bool:
        try:
            self._kinesis(stream_arn).describe_stream_summary(stream_arn=stream_arn)
        except (ServiceError, LakehoseError, SourceUnavailable):
            return False
        return True


class S3Sink:
    """``ports.ObjectSinkPort`` over the S3 engine."""

    def __init__(self, engines: EngineSource) -> None:
        self._s3 = EngineLookup(
            engines,
            "s3",
            S3Engine,
            missing=lambda: DestinationUnavailable("InternalError", "the S3 engine is not running"),
        )

    def put_object_bytes(
        self,
        bucket: str,
        key: str,
        data: bytes,
        *,
        content_type: str,
        content_encoding: str | None,
    ) -> str:
        try:
            return self._s3().put_object_bytes(
                bucket, key, data, content_type=content_type, content_encoding=content_encoding
            )
        except ServiceError as error:
            raise DestinationUnavailable(error.error_code, error.message) from None

    def head(self, bucket: str, key: str) -> str | None:
        try:
            return str(self._s3().head_object(bucket=bucket, key=key)["ETag"])
        except ServiceError as error:
            if error.error_code in _MISSING_OBJECT:
                return None
            raise DestinationUnavailable(error.error_code, error.message) from None


# Lambda's API errors as the Firehose error codes its error records carry.
_LAMBDA_CODES = {
    "ResourceNotFoundException": "Lambda.ResourceNotFound",
    "TooManyRequestsException": "Lambda.InvokeLimitExceeded",
}


class LambdaInvoker:
    """``ports.LambdaPort`` over the Lambda engine's ``invoke_function``."""

    def __init__(self, engines: EngineSource, scope: Scope | None = None) -> None:
        self.scope = scope or engines.scope
        self._lookup = EngineLookup(
            engines,
            "lambda",
            LambdaEngine,
            missing=lambda: LambdaInvokeError(
                "Lambda.ResourceNotFound", "the Lambda engine is not running"
            ),
        )

    def invoke(self, function_arn: str, payload: bytes) -> LambdaReply:
        try:
            engine = self._lookup(scope_of_arn(function_arn, self.scope))
            result = engine.invoke_function(function_arn, payload)
        except ServiceError as error:
            code = _LAMBDA_CODES.get(error.error_code, f"Lambda.{error.error_code}")
            raise LambdaInvokeError(code, error.message) from None
        return LambdaReply(result.payload, result.function_error, result.timed_out)


class GlueColumns:
    """``ports.CatalogPort`` over the Glue engine's tables and table versions."""

    def __init__(self, engines: EngineSource, scope: Scope | None = None) -> None:
        self.scope = scope or engines.scope
        self._lookup = EngineLookup(
            engines,
            "glue",
            GlueEngine,
            missing=lambda: CatalogTableMissing("the Glue Data Catalog is not available"),
            refused=lambda error: CatalogTableMissing(error.message),
        )

    def get_table_columns(
        self, database: str, table: str, region: str | None, version_id: str | None
    ) -> list[dict[str, Any]]:
        # SchemaConfiguration.Region names the catalog's region; without it, the stream's own.
        in_region = region if region is not None and is_region(region) else self.scope.region
        glue = self._lookup(Scope(self.scope.account_id, in_region))
        try:
            if version_id in (None, "LATEST"):
                found = glue.get_table(database_name=database, name=table)["Table"]
            else:
                found = self._version(glue, database, table, str(version_id))
        except ServiceError as error:
            raise CatalogTableMissing(error.message) from None
        return list(found.get("StorageDescriptor", {}).get("Columns", []))

    @staticmethod
    def _version(glue: GlueEngine, database: str, table: str, version_id: str) -> dict[str, Any]:
        token: str | None = None
        while True:
            page = glue.get_table_versions(
                database_name=database, table_name=table, next_token=token
            )
            for version in page.get("TableVersions", []):
                if version.get("VersionId") == version_id:
                    return dict(version["Table"])
            token = page.get("NextToken")
            if not token:
                raise CatalogTableMissing(
                    f"Table version {version_id} of {database}.{table} not found."
                )
