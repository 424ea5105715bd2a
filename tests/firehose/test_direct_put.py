"""PutRecord and PutRecordBatch: limits, per-record results, and the objects they end up in."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import AwsTarget
from tests.firehose.conftest import (
    ROLE,
    STAMP,
    UUID,
    destination,
    error_code,
    error_message,
    flush,
    objects,
    unzip,
)
from tests.firehose.formats.test_codecs import read_hadoop, read_xerial


def _stream(firehose: Any, name: str, bucket: str, **members: Any) -> str:
    firehose.create_delivery_stream(
        DeliveryStreamName=name, ExtendedS3DestinationConfiguration=destination(bucket, **members)
    )
    return name


def test_put_record_answers_with_a_record_id(firehose: Any, name: str, bucket: str) -> None:
    _stream(firehose, name, bucket)
    answer = firehose.put_record(DeliveryStreamName=name, Record={"Data": b"one"})
    assert answer["RecordId"] and answer["Encrypted"] is False


def test_put_record_batch_answers_per_record(firehose: Any, name: str, bucket: str) -> None:
    _stream(firehose, name, bucket)
    answer = firehose.put_record_batch(
        DeliveryStreamName=name, Records=[{"Data": b"x" * n} for n in range(500)]
    )
    assert answer["FailedPutCount"] == 0 and answer["Encrypted"] is False
    ids = [entry["RecordId"] for entry in answer["RequestResponses"]]
    assert len(ids) == 500 == len(set(ids))
    assert not any("ErrorCode" in entry for entry in answer["RequestResponses"])


def test_batch_limits(firehose: Any, aws: AwsTarget, name: str, bucket: str) -> None:
    _stream(firehose, name, bucket)
    unchecked = aws.client("firehose", config=_unchecked())
    with pytest.raises(ClientError) as count:
        unchecked.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"x"}] * 501)
    assert error_code(count) == "ValidationException"
    with pytest.raises(ClientError) as record:
        unchecked.put_record(DeliveryStreamName=name, Record={"Data": b"x" * 1_024_001})
    assert error_code(record) == "ValidationException"
    assert "less than or equal to 1024000" in error_message(record)
    fits = firehose.put_record(DeliveryStreamName=name, Record={"Data": b"x" * 1_024_000})
    assert fits["RecordId"]
    with pytest.raises(ClientError) as total:
        firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"x" * 1_024_000}] * 5)
    assert error_code(total) == "InvalidArgumentException"
    assert error_message(total) == "Records size exceeds 4 MB limit"


def _unchecked() -> Any:
    from botocore.config import Config

    return Config(parameter_validation=False, retries={"total_max_attempts": 1})


def test_puts_are_refused_on_kinesis_sourced_streams(
    firehose: Any, kinesis: Any, name: str, bucket: str
) -> None:
    kinesis.create_stream(StreamName=name, ShardCount=1)
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={
            "KinesisStreamARN": f"arn:aws:kinesis:us-east-1:000000000000:stream/{name}",
            "RoleARN": ROLE,
        },
        ExtendedS3DestinationConfiguration=destination(bucket),
    )
    for put in (
        lambda: firehose.put_record(DeliveryStreamName=name, Record={"Data": b"x"}),
        lambda: firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"x"}]),
    ):
        with pytest.raises(ClientError) as refused:
            put()
        assert error_code(refused) == "InvalidArgumentException"
        assert error_message(refused) == (
            "This operation is not permitted on KinesisStreamAsSource delivery stream type."
        )


def test_puts_to_a_missing_stream(firehose: Any, name: str) -> None:
    with pytest.raises(ClientError) as missing:
        firehose.put_record(DeliveryStreamName=name, Record={"Data": b"x"})
    assert error_code(missing) == "ResourceNotFoundException"


def test_records_are_concatenated_without_delimiter(
    aws: AwsTarget, firehose: Any, s3: Any, name: str, bucket: str
) -> None:
    _stream(
        firehose,
        name,
        bucket,
        Prefix="plain/",
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60},
    )
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"abc"}] * 3)
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"def"})
    flush(aws)
    ((key, body),) = objects(s3, bucket).items()
    assert body == b"abcabcabcdef"
    # A Prefix without expressions gets the default yyyy/MM/dd/HH/ appended by concatenation.
    assert re.fullmatch(rf"plain/\d{{4}}/\d{{2}}/\d{{2}}/\d{{2}}/{name}-1-{STAMP}-{UUID}", key)
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] == "application/octet-stream"
    assert "ContentEncoding" not in head


def test_append_delimiter_puts_newlines_between_records(
    aws: AwsTarget, firehose: Any, s3: Any, name: str, bucket: str
) -> None:
    _stream(
        firehose,
        name,
        bucket,
        ProcessingConfiguration={
            "Enabled": True,
            "Processors": [{"Type": "AppendDelimiterToRecord"}],
        },
    )
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"a"}, {"Data": b"b"}])
    flush(aws)
    assert list(objects(s3, bucket).values()) == [b"a\nb"]


CODECS: dict[str, tuple[str, str | None, Callable[[bytes], bytes]]] = {
    "UNCOMPRESSED": ("", None, lambda body: body),
    "GZIP": (".gz", "gzip", gzip.decompress),
    "ZIP": (".zip", "zip", unzip),
    "Snappy": (".snappy", "snappy-java", lambda body: read_xerial(body)[0]),
    "HADOOP_SNAPPY": (".snappy", "hadoop-snappy", lambda body: read_hadoop(body)[0]),
}


@pytest.mark.parametrize("codec", list(CODECS))
def test_every_codec_round_trips(
    aws: AwsTarget, firehose: Any, s3: Any, name: str, bucket: str, codec: str
) -> None:
    extension, encoding, decode = CODECS[codec]
    _stream(firehose, name, bucket, CompressionFormat=codec)
    records = [f'{{"n":{n}}}\n'.encode() * 50 for n in range(200)]  # ~1.6 MB: several blocks
    for start in range(0, len(records), 100):
        firehose.put_record_batch(
            DeliveryStreamName=name, Records=[{"Data": r} for r in records[start : start + 100]]
        )
    flush(aws)
    ((key, body),) = objects(s3, bucket).items()
    assert key.endswith(f"{extension}") and re.search(rf"-{UUID}{re.escape(extension)}$", key)
    assert decode(body) == b"".join(records)
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head.get("ContentEncoding") == encoding


def test_file_extension_replaces_the_codecs(
    aws: AwsTarget, firehose: Any, s3: Any, name: str, bucket: str
) -> None:
    _stream(firehose, name, bucket, CompressionFormat="GZIP", FileExtension=".json.gz")
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"{}"})
    flush(aws)
    (key,) = objects(s3, bucket)
    assert re.search(rf"-{UUID}\.json\.gz$", key)
