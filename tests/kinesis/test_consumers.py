"""Enhanced fan-out consumer registration, in both modes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.kinesis.conftest import StreamFactory, error_code, error_message

ACCOUNT = "000000000000"


def _arn(client: Any, stream: str) -> str:
    return str(
        client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    )


def test_register_describe_list_deregister(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    stream_arn = _arn(kinesis, stream)
    consumer = kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName="reader")[
        "Consumer"
    ]
    created = consumer["ConsumerCreationTimestamp"]
    assert consumer["ConsumerName"] == "reader"
    assert consumer["ConsumerARN"] == f"{stream_arn}/consumer/reader:{int(created.timestamp())}"
    assert consumer["ConsumerStatus"] == "ACTIVE"
    by_name = kinesis.describe_stream_consumer(StreamARN=stream_arn, ConsumerName="reader")
    by_arn = kinesis.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    assert (
        by_name["ConsumerDescription"]
        == by_arn["ConsumerDescription"]
        == {
            **consumer,
            "StreamARN": stream_arn,
        }
    )
    kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName="auditor")
    listed = kinesis.list_stream_consumers(StreamARN=stream_arn)["Consumers"]
    assert [c["ConsumerName"] for c in listed] == ["reader", "auditor"]
    page = kinesis.list_stream_consumers(StreamARN=stream_arn, MaxResults=1)
    rest = kinesis.list_stream_consumers(StreamARN=stream_arn, NextToken=page["NextToken"])
    assert [c["ConsumerName"] for c in page["Consumers"] + rest["Consumers"]] == [
        "reader",
        "auditor",
    ]
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["ConsumerCount"] == 2
    kinesis.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    with pytest.raises(ClientError) as error:
        kinesis.describe_stream_consumer(StreamARN=stream_arn, ConsumerName="reader")
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == f"Consumer reader, account {ACCOUNT} not found."


def test_consumer_names_are_unique_per_stream(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    stream_arn = _arn(kinesis, stream)
    kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName="reader")
    with pytest.raises(ClientError) as error:
        kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName="reader")
    assert error_code(error) == "ResourceInUseException"


def test_a_stream_holds_at_most_twenty_consumers(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    stream_arn = _arn(kinesis, stream)
    for number in range(20):
        kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName=f"c{number}")
    with pytest.raises(ClientError) as error:
        kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName="c20")
    assert error_code(error) == "LimitExceededException"


def test_deleting_a_stream_with_consumers_needs_enforcement(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(1)
    kinesis.register_stream_consumer(StreamARN=_arn(kinesis, stream), ConsumerName="reader")
    with pytest.raises(ClientError) as error:
        kinesis.delete_stream(StreamName=stream)
    assert error_code(error) == "ResourceInUseException"
    kinesis.delete_stream(StreamName=stream, EnforceConsumerDeletion=True)
    with pytest.raises(ClientError) as error:
        kinesis.describe_stream_summary(StreamName=stream)
    assert error_code(error) == "ResourceNotFoundException"
