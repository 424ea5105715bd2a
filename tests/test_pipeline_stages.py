"""Counting what each stage holds (``lakehose status``, ``lakehose demo``) when APIs refuse."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose.cli.stages import Objects, Pipeline, measure, static_prefix

PIPELINE = Pipeline(
    delivery_stream="heartrate-firehose",
    table="heartrate-ddb",
    stream="heartrate-kinesis",
    bucket="bucket",
    data_prefix="data/",
    error_prefix="errors/",
)


class Refusing:
    """A client whose every call fails as AWS fails an unknown or forbidden one."""

    def __getattr__(self, operation: str) -> Any:
        def refuse(*_: Any, **__: Any) -> Any:
            error = {"Error": {"Code": "AccessDeniedException", "Message": "no"}}
            raise ClientError(error, operation)  # type: ignore[arg-type]

        return refuse


@pytest.mark.parametrize(
    ("prefix", "static"),
    [
        ("data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/", "data/"),
        ("errors/", "errors/"),
        ("legacy", "legacy"),
        ("!{firehose:error-output-type}/", ""),
        ("", ""),
    ],
)
def test_static_prefix_is_what_precedes_the_first_expression(prefix: str, static: str) -> None:
    assert static_prefix(prefix) == static


def test_a_count_the_api_refuses_is_unknown_not_zero() -> None:
    stages = measure(lambda service: Refusing(), PIPELINE)
    assert (stages.items, stages.change_records, stages.data, stages.errors) == (
        None,
        None,
        None,
        None,
    )


def test_data_in_the_bucket_root_leaves_out_the_error_output(lake: Any) -> None:
    s3 = lake.client("s3")
    s3.create_bucket(Bucket="stages")
    for key, body in (("2026/03/22/19/a", b"12345"), ("errors/b", b"1"), ("2026/x", b"12")):
        s3.put_object(Bucket="stages", Key=key, Body=body)
    pipeline = Pipeline(None, None, None, "stages", data_prefix="", error_prefix="errors/")
    stages = measure(lake.client, pipeline)
    assert stages.data == Objects(count=2, size=7)
    assert stages.errors == Objects(count=1, size=1)
    assert stages.items is None and stages.change_records is None
