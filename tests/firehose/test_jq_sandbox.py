"""A MetadataExtractionQuery is code from the caller: it sees no host environment, reads no
module from disk, and cannot hold the CPU or memory; a record whose query fails goes to the
error output and the stream delivers the others."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jq  # type: ignore[import-not-found]  # a C extension without stubs
import pytest
from botocore.exceptions import ClientError

from lakehose.services.firehose import jq_sandbox
from lakehose.services.firehose.jq_sandbox import JqFailure, JqSandbox
from lakehose.services.firehose.partitioning import (
    METADATA_EXTRACTION_FAILED,
    PartitionKeyError,
    compile_queries,
)
from tests.conftest import AwsTarget, ServerProcess
from tests.firehose.conftest import destination, error_code, error_lines, flush, objects, raw

MARKER_VARIABLE = "LAKEHOSE_TEST_JQ_MARKER"
MARKER = "jq-marker-6b1f0e9d"
# Every way to the environment a jq 1.7 program has, each rendered as a partition key.
ENVIRONMENT_QUERY = (
    '{env_all: ($ENV | tojson), env_fn: (env | tojson), home: (env.HOME // "none"),'
    ' secret: ($ENV.AWS_SECRET_ACCESS_KEY // "none"),'
    f' marker: ($ENV.{MARKER_VARIABLE} // "none"), marker_fn: (env.{MARKER_VARIABLE} // "none")}}'
)
ENVIRONMENT_PREFIX = "".join(
    f"{key}=!{{partitionKeyFromQuery:{key}}}/"
    for key in ("env_all", "env_fn", "home", "secret", "marker", "marker_fn")
)
# What the query yields without an environment.
EMPTY_ENVIRONMENT = "env_all={}/env_fn={}/home=none/secret=none/marker=none/marker_fn=none/"
ERRORS = "errors/!{firehose:error-output-type}/"


@pytest.fixture
def marker(monkeypatch: pytest.MonkeyPatch) -> str:
    """A secret in this process's environment, which in-process runtimes share."""
    monkeypatch.setenv(MARKER_VARIABLE, MARKER)
    return MARKER


@pytest.fixture
def sandbox() -> Iterator[JqSandbox]:
    """A sandbox of its own with a short CPU limit, so the runaway programs end quickly."""
    made = JqSandbox(workers=2, cpu_seconds=0.25, memory_bytes=256 * 1024 * 1024)
    yield made
    made.close()


def _partitioned(bucket: str, query: str, prefix: str) -> dict[str, Any]:
    return destination(
        bucket,
        Prefix=prefix,
        ErrorOutputPrefix=ERRORS,
        BufferingHints={"SizeInMBs": 64, "IntervalInSeconds": 60},
        DynamicPartitioningConfiguration={"Enabled": True},
        ProcessingConfiguration={
            "Enabled": True,
            "Processors": [
                {
                    "Type": "MetadataExtraction",
                    "Parameters": [
                        {"ParameterName": "MetadataExtractionQuery", "ParameterValue": query},
                        {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
                    ],
                }
            ],
        },
    )


def _assert_environment_unseen(firehose: Any, s3: Any, aws: Any, name: str, bucket: str) -> None:
    """The environment query partitions by an empty environment; a query that would print a
    variable fails its record with a null key; the marker is in no key and no error line."""
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration=_partitioned(
            bucket, ENVIRONMENT_QUERY, f"seen/{ENVIRONMENT_PREFIX}"
        ),
    )
    firehose.create_delivery_stream(
        DeliveryStreamName=f"{name}-v",
        ExtendedS3DestinationConfiguration=_partitioned(
            bucket, f"{{value: $ENV.{MARKER_VARIABLE}}}", "value=!{partitionKeyFromQuery:value}/"
        ),
    )
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b'{"n": 1}'})
    firehose.put_record(DeliveryStreamName=f"{name}-v", Record={"Data": b'{"n": 2}'})
    flush(aws)
    found = objects(s3, bucket)
    assert [key for key in found if key.startswith("seen/")] == [
        key for key in found if key.startswith(f"seen/{EMPTY_ENVIRONMENT}")
    ]
    assert any(key.startswith(f"seen/{EMPTY_ENVIRONMENT}") for key in found)
    (line,) = error_lines(s3, bucket, "errors/metadata-extraction-failed/")
    assert raw(line) == b'{"n": 2}'
    assert line["errorCode"] == METADATA_EXTRACTION_FAILED
    assert line["errorMessage"] == "Partition key value evaluated to null"
    for key, body in found.items():
        assert MARKER not in key
        assert MARKER.encode() not in body


def test_queries_see_no_host_environment(
    aws: AwsTarget, firehose: Any, s3: Any, name: str, bucket: str, marker: str
) -> None:
    _assert_environment_unseen(firehose, s3, aws, name, bucket)


def test_a_server_s_own_environment_stays_out_of_object_keys(tmp_path: Path, name: str) -> None:
    """The reported attack: the server's secrets, set in its environment, in S3 object keys."""
    server = ServerProcess(
        tmp_path / "home",
        env={MARKER_VARIABLE: MARKER, "AWS_SECRET_ACCESS_KEY": MARKER, "HOME": f"/{MARKER}"},
    )
    try:
        firehose: Any = server.client("firehose")
        s3: Any = server.client("s3")
        bucket = name[-50:].strip("-")
        s3.create_bucket(Bucket=bucket)
        _assert_environment_unseen(firehose, s3, server, name, bucket)
    finally:
        server.stop()


@pytest.mark.parametrize(
    "directive", ['import "x" as x;', 'include "x";', 'import "/etc/x" as $x;']
)
def test_module_directives_are_refused_at_create(
    firehose: Any, name: str, bucket: str, directive: str
) -> None:
    with pytest.raises(ClientError) as raised:
        firehose.create_delivery_stream(
            DeliveryStreamName=name,
            ExtendedS3DestinationConfiguration=_partitioned(
                bucket, f"{directive} {{k: .k}}", "k=!{partitionKeyFromQuery:k}/"
            ),
        )
    assert error_code(raised) == "InvalidArgumentException"
    assert "must not import or include jq modules" in str(raised.value)


def test_an_endless_query_fails_its_record_and_the_others_are_delivered(
    aws: AwsTarget, firehose: Any, s3: Any, name: str, bucket: str
) -> None:
    query = "if .loop then {k: (def f: f; f)} else {k: .k} end"
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration=_partitioned(
            bucket, query, "k=!{partitionKeyFromQuery:k}/"
        ),
    )
    records = [b'{"k": "a"}', b'{"loop": true}', b'{"k": "b"}']
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": r} for r in records])
    flush(aws)
    data = {key.split("/")[0]: body for key, body in objects(s3, bucket, "k=").items()}
    assert data == {"k=a": records[0], "k=b": records[2]}
    (line,) = error_lines(s3, bucket, "errors/metadata-extraction-failed/")
    assert raw(line) == records[1]
    assert line["errorCode"] == METADATA_EXTRACTION_FAILED
    assert "CPU time limit" in line["errorMessage"]


# -- the sandbox on its own ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "program",
    [
        "$ENV",
        "env",
        "env.HOME",
        "$ENV.AWS_SECRET_ACCESS_KEY",
        f"$ENV.{MARKER_VARIABLE}",
        f"env.{MARKER_VARIABLE}",
        "[$ENV[], env[]]",
        "def f: $ENV; f",
        "$__loc__",
        "input_filename",
        "get_search_list",
        "[inputs]",
        "debug",
        "stderr",
        "[builtins]",
    ],
)
def test_no_program_output_holds_the_environment(
    sandbox: JqSandbox, marker: str, program: str
) -> None:
    assert marker not in str(sandbox.run(program, '{"a": 1}'))


def test_no_builtin_reaches_the_environment(sandbox: JqSandbox, marker: str) -> None:
    """Every builtin without arguments, in the worker and, with the prelude alone, in-process."""
    (names,) = sandbox.run('[builtins[] | select(endswith("/0")) | rtrimstr("/0")]', "null")
    endless = {"repeat", "recurse", "range", "input", "inputs", "halt", "halt_error"}
    for builtin in sorted(set(names) - endless):
        program = f"[limit(5; {builtin})] | tojson"
        for text in ("null", '"x"', '{"a": "b"}', "[1]"):
            try:
                assert marker not in str(sandbox.run(program, text)), builtin
            except JqFailure as failure:
                assert marker not in failure.message, builtin
            # The prelude on its own, in this process whose environment holds the marker.
            try:
                in_process = jq.compile(jq_sandbox.wrap(program)).input_text(text).all()
            except ValueError as error:
                in_process = str(error)
            assert marker not in str(in_process), builtin


def test_the_prelude_alone_hides_the_environment(marker: str) -> None:
    """Belt and braces: even a worker with an environment could not read it."""
    assert jq.compile(jq_sandbox.wrap("[$ENV, env]")).input_value(None).all() == [[{}, {}]]
    assert jq.compile("$ENV").input_value(None).first()[MARKER_VARIABLE] == marker


@pytest.mark.parametrize(
    "program",
    [
        "def f: f; f",
        "last(repeat(.))",
        "last(range(1e18))",
        "[limit(1e18; repeat(1))] | length",
        "reduce range(1e18) as $i (0; . + 1)",
    ],
)
def test_endless_programs_hit_the_cpu_limit(sandbox: JqSandbox, program: str) -> None:
    with pytest.raises(JqFailure, match=r"CPU time limit of 0\.25 s"):
        sandbox.run(program, "null")
    assert sandbox.run(".a", '{"a": 1}') == [1]  # a new worker took over


def test_backtracking_regexes_are_bounded(sandbox: JqSandbox) -> None:
    """Oniguruma's retry limit, or else the CPU limit, ends a catastrophic match."""
    with pytest.raises(JqFailure, match=r"retry-limit|CPU time limit"):
        sandbox.run('.s | test("(x+x+)+y")', '{"s": "%s"}' % ("x" * 64))


@pytest.mark.parametrize("program", [".a * 1e9 | length", "[range(1e9)] | length"])
def test_runaway_allocations_hit_a_limit(program: str) -> None:
    roomy = JqSandbox(workers=1, cpu_seconds=5, memory_bytes=128 * 1024 * 1024)
    try:
        with pytest.raises(JqFailure, match=r"memory limit of 128 MiB|CPU time limit"):
            roomy.run(program, '{"a": "x"}')
        assert roomy.run(".a", '{"a": 2}') == [2]
    finally:
        roomy.close()


def test_generators_stop_at_the_second_output(sandbox: JqSandbox) -> None:
    assert sandbox.run("range(1e18)", "null") == [0, 1]


def test_a_huge_output_is_an_error(sandbox: JqSandbox) -> None:
    with pytest.raises(JqFailure, match="output is larger than 1 MiB"):
        sandbox.run('"x" * 2000000', "null")


def test_compile_errors_point_at_the_caller_s_text(sandbox: JqSandbox) -> None:
    with pytest.raises(JqFailure) as raised:
        sandbox.check(".a |")
    assert "line 1" in raised.value.message or "line 2" in raised.value.message
    assert "$ENV" not in raised.value.message  # the prelude's text is not echoed


def test_concurrent_calls_get_their_own_answers(sandbox: JqSandbox) -> None:
    answers: dict[int, list[Any]] = {}

    def work(number: int) -> None:
        answers[number] = sandbox.run(".n * 2", f'{{"n": {number}}}')

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {n: [n * 2] for n in range(16)}


def test_partition_keys_of_a_failing_query_are_an_error_record_not_a_crash() -> None:
    queries = compile_queries("{k: (def f: f; f)}", "JQ-1.6")
    with pytest.raises(PartitionKeyError) as raised:
        queries.extract(b'{"k": 1}')
    assert raised.value.error_code == METADATA_EXTRACTION_FAILED
    assert "CPU time limit" in raised.value.message
    assert compile_queries("{k: .k}", None).extract(b'{"k": 1}') == {"k": "1"}
