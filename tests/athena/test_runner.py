"""The query life cycle with a stand-in SQL engine: states, statistics, stops, cutoffs, files.

The stand-in blocks until released, so that QUEUED and RUNNING can be observed and stopped at
will; the runtime's manual clock makes the statistics exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.clock import ManualClock
from lakehose.services.athena.engine import AthenaEngine
from lakehose.services.athena.sql import QueryFailed, QueryOutcome, ResultColumn
from lakehose.services.athena.sql.errors import TABLE_NOT_FOUND, scan_limit_exceeded
from tests.athena.conftest import error_of
from tests.athena.standin import StandInSql, stand_in


class Setup:
    """The module's runtime, stand-in and clients, with this test's bucket and workgroup."""

    def __init__(self, runtime: Runtime, name: str) -> None:
        self.lake, self.sql, self.clock = runtime.lake, runtime.sql, runtime.clock
        self.athena, self.s3 = runtime.athena, runtime.s3
        self.bucket = self.workgroup = name[:63].rstrip("-")
        self.s3.create_bucket(Bucket=self.bucket)
        self.athena.create_work_group(
            Name=self.workgroup,
            Configuration={
                "ResultConfiguration": {"OutputLocation": f"s3://{self.bucket}/out"},
                "BytesScannedCutoffPerQuery": 50_000_000,
            },
        )

    def start(self, query: str = "SELECT 1", **arguments: Any) -> str:
        arguments.setdefault("WorkGroup", self.workgroup)
        return str(
            self.athena.start_query_execution(QueryString=query, **arguments)["QueryExecutionId"]
        )

    def execution(self, execution_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.athena.get_query_execution(QueryExecutionId=execution_id)[
            "QueryExecution"
        ]
        return found

    def keys(self) -> set[str]:
        listed = self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return {item["Key"] for item in listed}


class Runtime:
    def __init__(self, lake: Lakehose, clock: ManualClock, sql: StandInSql) -> None:
        self.lake, self.clock, self.sql = lake, clock, sql
        self.athena, self.s3 = lake.client("athena"), lake.client("s3")


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One runtime for the module (clients are slow to make), with one worker thread so that a
    second query waits QUEUED, and a manual clock."""
    clock = ManualClock(1_700_000_000.0)
    home = tmp_path_factory.mktemp("runner") / "home"
    sql = StandInSql()
    builders = {"athena": stand_in(sql)}
    with Lakehose(home=home, clock=clock, background=False, seed=7, builders=builders) as lake:
        yield Runtime(lake, clock, sql)


@pytest.fixture
def setup(runtime: Runtime, name: str) -> Iterator[Setup]:
    runtime.sql.reset()
    yield Setup(runtime, name)
    runtime.sql.release.set()
    runtime.lake.flush()


def test_states_and_statistics_follow_the_run(setup: Setup) -> None:
    setup.sql.release.clear()
    first = setup.start("SELECT 1")
    assert setup.sql.entered.wait(10)
    second = setup.start("SELECT 2")
    assert setup.execution(first)["Status"]["State"] == "RUNNING"
    assert setup.execution(second)["Status"]["State"] == "QUEUED"
    for execution_id, state in ((first, "RUNNING"), (second, "QUEUED")):
        with pytest.raises(ClientError) as error:
            setup.athena.get_query_results(QueryExecutionId=execution_id)
        assert error_of(error) == {
            "Code": "InvalidRequestException",
            "Message": f"Query has not yet finished. Current state: {state}",
            "AthenaErrorCode": "INVALID_QUERY_EXECUTION_STATE",
        }
    setup.clock.advance(3)
    setup.sql.release.set()
    setup.lake.flush()
    done = setup.execution(first)
    assert done["Status"]["State"] == "SUCCEEDED"
    assert done["Statistics"]["EngineExecutionTimeInMillis"] == 3000
    assert done["Statistics"]["QueryQueueTimeInMillis"] == 0
    assert done["Statistics"]["TotalExecutionTimeInMillis"] == 3000
    assert done["Statistics"]["DataScannedInBytes"] == 10
    waited = setup.execution(second)
    assert waited["Status"]["State"] == "SUCCEEDED"
    assert waited["Statistics"]["QueryQueueTimeInMillis"] == 3000
    assert [call["query"] for call in setup.sql.calls] == ["SELECT 1", "SELECT 2"]


def test_stop_interrupts_a_running_query_and_writes_nothing(setup: Setup) -> None:
    setup.sql.release.clear()
    execution_id = setup.start()
    assert setup.sql.entered.wait(10)
    setup.athena.stop_query_execution(QueryExecutionId=execution_id)
    setup.lake.flush()
    status = setup.execution(execution_id)["Status"]
    assert status["State"] == "CANCELLED"
    assert status["StateChangeReason"] == "Query cancelled by user"
    assert "AthenaError" not in status
    assert "CompletionDateTime" in status
    assert setup.sql.calls[0]["cancel"].is_set()
    assert setup.keys() == set()
    with pytest.raises(ClientError) as error:
        setup.athena.get_query_results(QueryExecutionId=execution_id)
    assert error_of(error) == {
        "Code": "InvalidRequestException",
        "Message": "Could not find results",
        "AthenaErrorCode": "RESULT_NOT_FOUND",
    }


def test_stop_of_a_queued_query_means_it_never_runs(setup: Setup) -> None:
    setup.sql.release.clear()
    setup.start("SELECT 1")
    assert setup.sql.entered.wait(10)
    queued = setup.start("SELECT 2")
    setup.athena.stop_query_execution(QueryExecutionId=queued)
    setup.sql.release.set()
    setup.lake.flush()
    assert setup.execution(queued)["Status"]["State"] == "CANCELLED"
    assert [call["query"] for call in setup.sql.calls] == ["SELECT 1"]


def test_scan_cutoff_cancels_and_still_reports_the_bytes(setup: Setup) -> None:
    setup.sql.answer = scan_limit_exceeded(50_000_123)
    execution_id = setup.start("SELECT count(*) FROM big")
    setup.lake.flush()
    execution = setup.execution(execution_id)
    assert execution["Status"]["State"] == "CANCELLED"
    assert execution["Status"]["StateChangeReason"] == "Bytes scanned limit was exceeded"
    assert "AthenaError" not in execution["Status"]
    assert execution["Statistics"]["DataScannedInBytes"] == 50_000_123
    assert setup.sql.calls[0]["bytes_scanned_cutoff"] == 50_000_000


def test_sql_failures_carry_athenas_error(setup: Setup) -> None:
    setup.sql.answer = QueryFailed(
        TABLE_NOT_FOUND, "Table 'awsdatacatalog.db.t' does not exist", position=(1, 15)
    )
    execution_id = setup.start("SELECT * FROM t")
    setup.lake.flush()
    status = setup.execution(execution_id)["Status"]
    message = "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.db.t' does not exist"
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"] == message
    assert status["AthenaError"] == {
        "ErrorCategory": TABLE_NOT_FOUND.category,
        "ErrorType": TABLE_NOT_FOUND.type,
        "Retryable": False,
        "ErrorMessage": message,
    }


def test_a_bug_in_the_sql_engine_fails_the_query_not_the_worker(setup: Setup) -> None:
    setup.sql.answer = RuntimeError("boom")
    broken = setup.start("SELECT 1")
    setup.lake.flush()
    error = setup.execution(broken)["Status"]["AthenaError"]
    assert (error["ErrorCategory"], error["ErrorType"]) == (1, 200)
    setup.sql.answer = QueryOutcome([ResultColumn("a", "integer", 10)], [["1"]], 0, "DML")
    working = setup.start("SELECT 1 AS a")
    setup.lake.flush()
    assert setup.execution(working)["Status"]["State"] == "SUCCEEDED"


def test_request_reaches_the_sql_engine(setup: Setup) -> None:
    setup.start(
        "SELECT ? FROM t",
        QueryExecutionContext={"Database": "db", "Catalog": "AwsDataCatalog"},
        ExecutionParameters=["'a'"],
    )
    setup.lake.flush()
    call = setup.sql.calls[0]
    assert call["database"] == "db"
    assert call["catalog"] == "AwsDataCatalog"
    assert call["parameters"] == ["'a'"]
    assert call["output_location"] == f"s3://{setup.bucket}/out"


def test_result_objects_and_content_types(setup: Setup) -> None:
    execution_id = setup.start("SELECT 'x' AS a")
    setup.lake.flush()
    assert setup.keys() == {f"out/{execution_id}.csv", f"out/{execution_id}.csv.metadata"}
    head = setup.s3.head_object(Bucket=setup.bucket, Key=f"out/{execution_id}.csv")
    assert head["ContentType"] == "application/octet-stream"
    body = setup.s3.get_object(Bucket=setup.bucket, Key=f"out/{execution_id}.csv")["Body"]
    assert body.read() == b'"a"\n"x"\n'


def test_utility_results_are_text_without_header(setup: Setup) -> None:
    setup.sql.answer = QueryOutcome(
        [ResultColumn("tab_name", "varchar", 2147483647)], [["t1"], ["t2"]], 0, "UTILITY"
    )
    execution_id = setup.start("SHOW TABLES")
    setup.lake.flush()
    key = f"out/{execution_id}.txt"
    assert setup.keys() == {key, f"{key}.metadata"}
    assert setup.s3.head_object(Bucket=setup.bucket, Key=key)["ContentType"] == (
        "binary/octet-stream"
    )
    assert setup.s3.get_object(Bucket=setup.bucket, Key=key)["Body"].read() == b"t1\nt2"
    results = setup.athena.get_query_results(QueryExecutionId=execution_id)
    assert results["ResultSet"]["Rows"] == [
        {"Data": [{"VarCharValue": "t1"}]},
        {"Data": [{"VarCharValue": "t2"}]},
    ]
    assert results["UpdateCount"] == 0


def test_ddl_without_columns_has_no_update_count_or_metadata(setup: Setup) -> None:
    setup.sql.answer = QueryOutcome([], [], 0, "DDL")
    execution_id = setup.start("CREATE DATABASE d")
    setup.lake.flush()
    assert setup.keys() == {f"out/{execution_id}.txt"}
    results = setup.athena.get_query_results(QueryExecutionId=execution_id)
    assert results["ResultSet"] == {"Rows": [], "ResultSetMetadata": {"ColumnInfo": []}}
    assert "UpdateCount" not in results


def test_insert_writes_metadata_and_a_data_manifest_and_reports_the_count(setup: Setup) -> None:
    written = [f"s3://{setup.bucket}/t/a", f"s3://{setup.bucket}/t/b"]
    setup.sql.answer = QueryOutcome(
        [ResultColumn("rows", "bigint", 19)], [], 5, "DML", 3, written_files=written
    )
    execution_id = setup.start("INSERT INTO t SELECT * FROM s")
    setup.lake.flush()
    execution = setup.execution(execution_id)
    location = f"s3://{setup.bucket}/out/{execution_id}"
    assert execution["ResultConfiguration"]["OutputLocation"] == location
    assert execution["SubstatementType"] == "INSERT"
    assert execution["Statistics"]["DataManifestLocation"] == f"{location}-manifest.csv"
    assert setup.keys() == {f"out/{execution_id}.metadata", f"out/{execution_id}-manifest.csv"}
    manifest = setup.s3.get_object(Bucket=setup.bucket, Key=f"out/{execution_id}-manifest.csv")
    assert manifest["Body"].read() == "".join(f"{uri}\n" for uri in written).encode()
    results = setup.athena.get_query_results(QueryExecutionId=execution_id)
    assert results["UpdateCount"] == 3
    assert results["ResultSet"]["Rows"] == []


def test_losing_the_output_bucket_fails_the_query(setup: Setup) -> None:
    setup.sql.release.clear()
    execution_id = setup.start()
    assert setup.sql.entered.wait(10)
    setup.s3.delete_bucket(Bucket=setup.bucket)
    setup.sql.release.set()
    setup.lake.flush()
    status = setup.execution(execution_id)["Status"]
    assert status["State"] == "FAILED"
    assert (status["AthenaError"]["ErrorCategory"], status["AthenaError"]["ErrorType"]) == (1, 401)


def test_deleting_a_workgroup_takes_its_query_history_along(setup: Setup) -> None:
    execution_id = setup.start()
    setup.lake.flush()
    with pytest.raises(ClientError) as refused:
        setup.athena.delete_work_group(WorkGroup=setup.workgroup)
    assert error_of(refused)["Message"] == f"WorkGroup {setup.workgroup} is not empty"
    engine = setup.lake.engine("athena")
    assert isinstance(engine, AthenaEngine)
    assert engine.result_sets.path(execution_id).exists()
    setup.athena.delete_work_group(WorkGroup=setup.workgroup, RecursiveDeleteOption=True)
    with pytest.raises(ClientError) as gone:
        setup.athena.get_query_execution(QueryExecutionId=execution_id)
    assert error_of(gone)["AthenaErrorCode"] == "QUERY_EXECUTION_NOT_FOUND"
    assert not engine.result_sets.path(execution_id).exists()
