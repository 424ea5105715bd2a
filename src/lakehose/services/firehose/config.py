"""The S3 destination's configuration: defaults, validation, the typed view, the Describe shapes.

A destination is stored as the ``ExtendedS3DestinationDescription`` document Describe returns
(the request's members with AWS's defaults filled in), so what a client set comes back member for
member. ``Destination`` is the validated, typed view the pipeline works from; ``parse`` builds it
and raises ``InvalidArgumentException`` for a configuration AWS refuses, and ``ValidationException``
for an option lakehose does not reproduce (never accepting and then ignoring it).

Rules (``../shared/reference/aws-semantics.md`` §3.1, §3.7):

* ``BufferingHints``: both members or neither; defaults 5 MiB / 300 s; with format conversion
  the size default is 128 MiB and the minimum 64 MiB; dynamic partitioning forbids 0 s.
* Processors: ``Lambda`` (at most one), ``AppendDelimiterToRecord``, ``MetadataExtraction`` (only
  with dynamic partitioning); ``RecordDeAggregation`` (JSON / DELIMITED sub-records),
  ``Decompression`` and ``CloudWatchLogProcessing`` are refused as unsupported.
* Prefixes: ``prefixes.validate_prefixes``; ``partitionKeyFromQuery`` needs a
  ``MetadataExtraction`` processor and ``partitionKeyFromLambda`` a Lambda.
* Format conversion: Parquet output only, ``CompressionFormat`` UNCOMPRESSED.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lakehose.arns import InvalidArn, parse_arn
from lakehose.services.firehose import partitioning, prefixes
from lakehose.services.firehose.errors import InvalidArgumentException, unsupported

MIB = 1 << 20
DESTINATION_ID = "destinationId-000000000001"
DEFAULT_HINTS = {"SizeInMBs": 5, "IntervalInSeconds": 300}
CONVERSION_DEFAULT_SIZE_MB = 128
CONVERSION_MIN_SIZE_MB = 64
PROCESSOR_DEFAULT_SIZE_MB = 1.0
PROCESSOR_SIZE_RANGE = (0.2, 3.0)
PROCESSOR_DEFAULT_INTERVAL_S = 60
PROCESSOR_INTERVAL_RANGE = (0, 900)
DEFAULT_RETRIES = 3
RETRIES_RANGE = (0, 300)
# The members both description shapes carry; the legacy S3DestinationDescription has only these.
S3_MEMBERS = (
    "RoleARN",
    "BucketARN",
    "Prefix",
    "ErrorOutputPrefix",
    "BufferingHints",
    "CompressionFormat",
    "EncryptionConfiguration",
    "CloudWatchLoggingOptions",
)
# RecordDeAggregation (JSON or DELIMITED sub-records) is not among them: KPL aggregates, the
# issue's case, are de-aggregated for every Kinesis source without a processor, as AWS does.
_SUPPORTED_PROCESSORS = ("Lambda", "AppendDelimiterToRecord", "MetadataExtraction")


@dataclass(frozen=True)
class Buffering:
    size_bytes: int
    interval_ms: int


@dataclass(frozen=True)
class LambdaStep:
    function_arn: str
    retries: int
    buffering: Buffering


@dataclass(frozen=True)
class Conversion:
    """JSON to Parquet with a Glue table's columns."""

    database: str
    table: str
    region: str | None
    version_id: str
    catalog_id: str | None
    deserializer: dict[str, Any]  # {"OpenXJsonSerDe": {...}} or {"HiveJsonSerDe": {...}}
    serializer: dict[str, Any]  # the ParquetSerDe options


@dataclass(frozen=True)
class Destination:
    bucket: str
    prefix: str
    error_output_prefix: str | None
    buffering: Buffering
    compression: str
    file_extension: str | None
    time_zone: str
    transform: LambdaStep | None
    delimiter: bytes | None
    partition_query: partitioning.PartitionQueries | None
    dynamic_partitioning: bool
    conversion: Conversion | None


# -- what is stored ---------------------------------------------------------------------------


def stored(given: dict[str, Any]) -> dict[str, Any]:
    """The description document for a configuration, with AWS's defaults filled in."""
    _check_hints(given.get("BufferingHints"))
    document = dict(given)
    if "BufferingHints" not in document:
        hints = dict(DEFAULT_HINTS)
        if _conversion_enabled(document):
            hints["SizeInMBs"] = CONVERSION_DEFAULT_SIZE_MB
        document["BufferingHints"] = hints
    document.setdefault("CompressionFormat", "UNCOMPRESSED")
    document.setdefault("EncryptionConfiguration", {"NoEncryptionConfig": "NoEncryption"})
    document.setdefault("CloudWatchLoggingOptions", {"Enabled": False})
    document.setdefault("S3BackupMode", "Disabled")
    return document


def merged(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """UpdateDestination: the update's members replace the stored ones; the rest stay."""
    if "S3BackupUpdate" in update:
        raise unsupported("S3 backup (S3BackupUpdate)")
    _check_hints(update.get("BufferingHints"))
    was = _partitioning_enabled(current)
    document = {**current, **update}
    if _partitioning_enabled(document) != was:
        raise InvalidArgumentException(
            "Dynamic partitioning can be enabled only when the Firehose stream is created and "
            "cannot be disabled."
        )
    return stored(document)


def describe(document: dict[str, Any]) -> dict[str, Any]:
    """The ``DestinationDescription``: AWS echoes an S3 destination in both shapes."""
    legacy = {member: document[member] for member in S3_MEMBERS if member in document}
    return {
        "DestinationId": DESTINATION_ID,
        "S3DestinationDescription": legacy,
        "ExtendedS3DestinationDescription": document,
    }


# -- the typed view -----------------------------------------------------------------------------


def parse(document: dict[str, Any]) -> Destination:
    """The validated destination; raises AWS's errors for a configuration AWS refuses."""
    if (
        document.get("S3BackupMode", "Disabled") != "Disabled"
        or "S3BackupConfiguration" in document
    ):
        raise unsupported("S3 backup (S3BackupMode Enabled)")
    hints = document["BufferingHints"]
    buffering = Buffering(hints["SizeInMBs"] * MIB, hints["IntervalInSeconds"] * 1000)
    partitioned = _partitioning_enabled(document)
    steps = _processors(document)
    transform = _lambda_step(steps.get("Lambda"))
    query = _query(steps.get("MetadataExtraction"), partitioned)
    conversion = _conversion(document)
    compression = str(document["CompressionFormat"])
    if conversion is not None:
        if compression != "UNCOMPRESSED":
            raise InvalidArgumentException(
                "CompressionFormat must be UNCOMPRESSED when data format conversion is enabled."
            )
        if hints["SizeInMBs"] < CONVERSION_MIN_SIZE_MB:
            raise InvalidArgumentException(
                f"BufferingHints.SizeInMBs must be at least {CONVERSION_MIN_SIZE_MB} when data "
                "format conversion is enabled."
            )
    if partitioned and hints["IntervalInSeconds"] == 0:
        raise InvalidArgumentException(
            "Zero buffering (IntervalInSeconds 0) is not supported with dynamic partitioning."
        )
    prefix = str(document.get("Prefix") or "")
    error_prefix = document.get("ErrorOutputPrefix") or None
    prefixes.validate_prefixes(prefix, error_prefix, dynamic_partitioning=partitioned)
    references = prefixes.partition_key_references(prefix)
    if references["partitionKeyFromQuery"] and query is None:
        raise InvalidArgumentException(
            "partitionKeyFromQuery expressions in the Prefix need a MetadataExtraction processor."
        )
    if references["partitionKeyFromLambda"] and transform is None:
        raise InvalidArgumentException(
            "partitionKeyFromLambda expressions in the Prefix need a Lambda processor."
        )
    return Destination(
        bucket=bucket_name(str(document["BucketARN"])),
        prefix=prefix,
        error_output_prefix=error_prefix,
        buffering=buffering,
        compression=compression,
        file_extension=document.get("FileExtension") or None,
        time_zone=prefixes.zone_for(document.get("CustomTimeZone") or None).key,
        transform=transform,
        delimiter=_delimiter(steps.get("AppendDelimiterToRecord")),
        partition_query=query,
        dynamic_partitioning=partitioned,
        conversion=conversion,
    )


def bucket_name(bucket_arn: str) -> str:
    try:
        arn = parse_arn(bucket_arn)
    except InvalidArn:
        raise InvalidArgumentException(f"Invalid BucketARN {bucket_arn}") from None
    return arn.resource


def _check_hints(hints: dict[str, Any] | None) -> None:
    if hints is not None and (("SizeInMBs" in hints) != ("IntervalInSeconds" in hints)):
        raise InvalidArgumentException(
            "BufferingHints must specify both SizeInMBs and IntervalInSeconds, or neither."
        )


def _partitioning_enabled(document: dict[str, Any]) -> bool:
    return bool((document.get("DynamicPartitioningConfiguration") or {}).get("Enabled", False))


def _conversion_enabled(document: dict[str, Any]) -> bool:
    conversion = document.get("DataFormatConversionConfiguration")
    return conversion is not None and bool(conversion.get("Enabled", True))


def _processors(document: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The enabled processors by type, each with its parameters by name."""
    processing = document.get("ProcessingConfiguration") or {}
    listed = processing.get("Processors") or []
    # A configuration that lists processors without saying Enabled is taken as enabled.
    if not processing.get("Enabled", bool(listed)):
        return {}
    found: dict[str, dict[str, str]] = {}
    for processor in listed:
        kind = processor["Type"]
        if kind not in _SUPPORTED_PROCESSORS:
            raise unsupported(f"the {kind} processor")
        if kind in found:
            raise InvalidArgumentException(
                f"Only one processor of type {kind} is allowed in ProcessingConfiguration."
            )
        parameters: dict[str, str] = {}
        for parameter in processor.get("Parameters") or []:
            name = parameter["ParameterName"]
            if name in parameters:
                raise InvalidArgumentException(f"Duplicate parameter {name} for processor {kind}.")
            parameters[name] = parameter["ParameterValue"]
        found[kind] = parameters
    return found


def _lambda_step(parameters: dict[str, str] | None) -> LambdaStep | None:
    if parameters is None:
        return None
    arn = parameters.get("LambdaArn")
    if not arn:
        raise InvalidArgumentException("LambdaArn must be specified for the Lambda processor.")
    retries = _number(parameters, "NumberOfRetries", DEFAULT_RETRIES, RETRIES_RANGE, int)
    size = _number(
        parameters, "BufferSizeInMBs", PROCESSOR_DEFAULT_SIZE_MB, PROCESSOR_SIZE_RANGE, float
    )
    interval = _number(
        parameters,
        "BufferIntervalInSeconds",
        PROCESSOR_DEFAULT_INTERVAL_S,
        PROCESSOR_INTERVAL_RANGE,
        int,
    )
    return LambdaStep(arn, int(retries), Buffering(int(size * MIB), int(interval) * 1000))


def _number(
    parameters: dict[str, str],
    name: str,
    default: float,
    bounds: tuple[float, float],
    kind: type[int] | type[float],
) -> float:
    if name not in parameters:
        return default
    try:
        value = kind(parameters[name])
    except ValueError:
        raise InvalidArgumentException(f"Invalid value for parameter {name}.") from None
    if not bounds[0] <= value <= bounds[1]:
        raise InvalidArgumentException(
            f"Parameter {name} must be between {bounds[0]:g} and {bounds[1]:g}."
        )
    return value


def _query(
    parameters: dict[str, str] | None, partitioned: bool
) -> partitioning.PartitionQueries | None:
    if parameters is None:
        return None
    if not partitioned:
        raise InvalidArgumentException(
            "MetadataExtraction processor requires dynamic partitioning to be enabled."
        )
    query = parameters.get("MetadataExtractionQuery")
    if not query:
        raise InvalidArgumentException(
            "MetadataExtractionQuery must be specified for the MetadataExtraction processor."
        )
    try:
        return partitioning.compile_queries(query, parameters.get("JsonParsingEngine"))
    except ValueError as error:
        raise InvalidArgumentException(str(error)) from None


def _delimiter(parameters: dict[str, str] | None) -> bytes | None:
    if parameters is None:
        return None
    return parameters.get("Delimiter", "\\n").encode().decode("unicode_escape").encode()


def _conversion(document: dict[str, Any]) -> Conversion | None:
    if not _conversion_enabled(document):
        return None
    conversion = document["DataFormatConversionConfiguration"]
    schema = conversion.get("SchemaConfiguration") or {}
    for member in ("DatabaseName", "TableName", "RoleARN"):
        if not schema.get(member):
            raise InvalidArgumentException(
                f"SchemaConfiguration.{member} is required when data format conversion is enabled."
            )
    deserializer = (conversion.get("InputFormatConfiguration") or {}).get("Deserializer") or {}
    serializer = (conversion.get("OutputFormatConfiguration") or {}).get("Serializer") or {}
    if len(deserializer) != 1:
        raise InvalidArgumentException(
            "Exactly one of OpenXJsonSerDe and HiveJsonSerDe must be set in the Deserializer."
        )
    if "OrcSerDe" in serializer:
        raise unsupported("ORC output (OrcSerDe); use ParquetSerDe")
    if "ParquetSerDe" not in serializer:
        raise InvalidArgumentException("The Serializer must specify ParquetSerDe.")
    return Conversion(
        database=schema["DatabaseName"],
        table=schema["TableName"],
        region=schema.get("Region"),
        version_id=schema.get("VersionId", "LATEST"),
        catalog_id=schema.get("CatalogId"),
        deserializer=deserializer,
        serializer=serializer["ParquetSerDe"],
    )
