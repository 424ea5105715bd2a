"""Dynamic partitioning's jq metadata extraction."""

from __future__ import annotations

import pytest

from lakehose.services.firehose.partitioning import (
    METADATA_EXTRACTION_FAILED,
    NON_JSON_MESSAGE,
    PartitionKeyError,
    compile_queries,
)

DOCS_QUERY = (
    '{customer_id:.customer_id, device:.type.device, year:.event_timestamp|strftime("%Y"), '
    'month:.event_timestamp|strftime("%m"), day:.event_timestamp|strftime("%d"), '
    'hour:.event_timestamp|strftime("%H")}'
)
DOCS_RECORD = (
    b'{"type":{"device":"mobile","event":"user_clicked_submit_button"},'
    b'"customer_id":"1234567890","event_timestamp":1565382027,"region":"sample_region"}'
)


def test_the_developer_guides_example() -> None:
    keys = compile_queries(DOCS_QUERY, "JQ-1.6").extract(DOCS_RECORD)
    assert keys == {
        "customer_id": "1234567890",
        "device": "mobile",
        "year": "2019",
        "month": "08",
        "day": "09",
        "hour": "20",
    }


def test_non_string_values_are_their_json_text() -> None:
    queries = compile_queries("{n:.n, b:.b, f:.f, o:.o}", None)
    keys = queries.extract(b'{"n":7,"b":true,"f":1.5,"o":{"x":1}}')
    assert keys == {"n": "7", "b": "true", "f": "1.5", "o": '{"x":1}'}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a":1}{"a":2}', NON_JSON_MESSAGE),  # several documents in one record
        (b"not json", NON_JSON_MESSAGE),
        (b"\xff\xfe", NON_JSON_MESSAGE),
        (b"", NON_JSON_MESSAGE),
        (b'{"other":1}', "Partition key customer_id evaluated to null"),
        (b"[1,2]", "Cannot index array"),
    ],
)
def test_failures_are_metadata_extraction_failed(data: bytes, message: str) -> None:
    queries = compile_queries("{customer_id:.customer_id}", "JQ-1.6")
    with pytest.raises(PartitionKeyError) as raised:
        queries.extract(data)
    assert raised.value.error_code == METADATA_EXTRACTION_FAILED
    assert raised.value.message.startswith(message)


def test_a_query_that_does_not_build_one_object_fails_the_record() -> None:
    with pytest.raises(PartitionKeyError, match="exactly one JSON object"):
        compile_queries(".a, .b", None).extract(b'{"a":{},"b":{}}')


@pytest.mark.parametrize(
    ("query", "engine", "message"),
    [
        ("{a:", "JQ-1.6", "not a valid jq program"),
        ("{a:.a}", "JQ-1.5", "JsonParsingEngine JQ-1.5 is not supported"),
        ("  ", None, "must not be empty"),
    ],
)
def test_unusable_queries_are_rejected_at_compile_time(
    query: str, engine: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        compile_queries(query, engine)
