"""Query executions through boto3 in both modes, over the real SQL engine, Glue and S3."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.athena.conftest import all_rows, error_of, run, wait_for
from tests.athena.tables import create_json_table, drop_database, put_ndjson

STATISTICS = {
    "EngineExecutionTimeInMillis",
    "DataScannedInBytes",
    "TotalExecutionTimeInMillis",
    "QueryQueueTimeInMillis",
    "ServicePreProcessingTimeInMillis",
    "QueryPlanningTimeInMillis",
    "ServiceProcessingTimeInMillis",
    "ResultReuseInformation",
}


@pytest.fixture
def database(glue: Any, name: str) -> Iterator[str]:
    """A Glue database of this test (dropped with its tables afterwards)."""
    database = name.replace("-", "_")
    glue.create_database(DatabaseInput={"Name": database})
    yield database
    with contextlib.suppress(ClientError):
        drop_database(glue, database)


def body_of(s3: Any, location: str) -> bytes:
    bucket, _, key = location.removeprefix("s3://").partition("/")
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_select_succeeds_with_athena_shapes(
    athena: Any, s3: Any, workgroup: str, output: str
) -> None:
    query = "SELECT 1 AS one, 'a\"b' AS s, CAST(NULL AS varchar) AS n"
    execution = run(athena, query, WorkGroup=workgroup)
    execution_id = execution["QueryExecutionId"]
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert execution["Query"] == query
    assert execution["StatementType"] == "DML"
    assert execution["SubstatementType"] == "SELECT"
    assert execution["WorkGroup"] == workgroup
    assert execution["ResultConfiguration"] == {"OutputLocation": f"{output}/{execution_id}.csv"}
    assert execution["EngineVersion"] == {
        "SelectedEngineVersion": "AUTO",
        "EffectiveEngineVersion": "Athena engine version 3",
    }
    status = execution["Status"]
    assert isinstance(status["SubmissionDateTime"], datetime)
    assert status["CompletionDateTime"] >= status["SubmissionDateTime"]
    assert "AthenaError" not in status
    statistics = execution["Statistics"]
    assert set(statistics) == STATISTICS
    assert statistics["ResultReuseInformation"] == {"ReusedPreviousResult": False}
    assert statistics["TotalExecutionTimeInMillis"] >= statistics["EngineExecutionTimeInMillis"]

    results = athena.get_query_results(QueryExecutionId=execution_id)
    assert results["UpdateCount"] == 0
    assert "NextToken" not in results
    assert results["ResultSet"]["Rows"] == [
        {"Data": [{"VarCharValue": "one"}, {"VarCharValue": "s"}, {"VarCharValue": "n"}]},
        {"Data": [{"VarCharValue": "1"}, {"VarCharValue": 'a"b'}, {}]},
    ]
    columns = results["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Label"], c["Type"]) for c in columns] == [
        ("one", "one", "integer"),
        ("s", "s", "varchar"),
        ("n", "n", "varchar"),
    ]
    for column in columns:
        assert (column["CatalogName"], column["SchemaName"], column["TableName"]) == (
            "hive",
            "",
            "",
        )
        assert column["Nullable"] == "UNKNOWN"
        assert column["CaseSensitive"] is (column["Type"] == "varchar")

    assert body_of(s3, f"{output}/{execution_id}.csv") == b'"one","s","n"\n"1","a""b",\n'
    metadata = body_of(s3, f"{output}/{execution_id}.csv.metadata")
    assert execution_id.encode() in metadata
    assert b"varchar" in metadata


def test_unnamed_columns_are_col0(athena: Any, workgroup: str) -> None:
    execution = run(athena, "SELECT count(*), 2 + 3", WorkGroup=workgroup)
    rows = all_rows(athena, execution["QueryExecutionId"])
    assert rows == [["_col0", "_col1"], ["1", "5"]]
    columns = athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"])["ResultSet"][
        "ResultSetMetadata"
    ]["ColumnInfo"]
    assert [c["Type"] for c in columns] == ["bigint", "integer"]


def test_missing_table_fails_with_athena_error(
    athena: Any, s3: Any, workgroup: str, database: str, output: str
) -> None:
    execution = run(
        athena,
        "SELECT * FROM no_such_table",
        WorkGroup=workgroup,
        QueryExecutionContext={"Database": database},
    )
    status = execution["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith("TABLE_NOT_FOUND: line 1:15: ")
    error = status["AthenaError"]
    assert error["ErrorCategory"] == 2
    assert error["Retryable"] is False
    assert error["ErrorMessage"] == status["StateChangeReason"]
    assert execution["QueryExecutionContext"] == {"Database": database}
    with pytest.raises(ClientError) as refused:
        athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    assert error_of(refused) == {
        "Code": "InvalidRequestException",
        "Message": "Query did not finish successfully. Final query state: FAILED",
        "AthenaErrorCode": "INVALID_QUERY_EXECUTION_STATE",
    }
    with pytest.raises(ClientError):
        body_of(s3, f"{output}/{execution['QueryExecutionId']}.csv")


def test_utility_statements_write_text_without_header(
    athena: Any, s3: Any, workgroup: str, database: str, output: str
) -> None:
    execution = run(athena, "SHOW DATABASES", WorkGroup=workgroup)
    execution_id = execution["QueryExecutionId"]
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert execution["StatementType"] == "UTILITY"
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{output}/{execution_id}.txt"
    rows = all_rows(athena, execution_id)
    assert [database] in rows
    text = body_of(s3, f"{output}/{execution_id}.txt").decode()
    assert text.split("\n") == [row[0] for row in rows]


def test_results_page_by_a_thousand_rows_with_the_header_first(
    athena: Any, s3: Any, glue: Any, bucket: str, workgroup: str, database: str
) -> None:
    put_ndjson(s3, bucket, "numbers/part-0.gz", ({"n": n} for n in range(2500)))
    create_json_table(
        glue, database, "numbers", f"s3://{bucket}/numbers/", [{"Name": "n", "Type": "int"}]
    )
    execution = run(
        athena,
        "SELECT n FROM numbers ORDER BY n",
        WorkGroup=workgroup,
        QueryExecutionContext={"Database": database},
    )
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    pages = []
    arguments = {"QueryExecutionId": execution["QueryExecutionId"]}
    while True:
        page = athena.get_query_results(**arguments)
        pages.append([row["Data"][0]["VarCharValue"] for row in page["ResultSet"]["Rows"]])
        if "NextToken" not in page:
            break
        arguments["NextToken"] = page["NextToken"]
    assert [len(page) for page in pages] == [1000, 1000, 501]
    assert pages[0][0] == "n"
    assert [value for page in pages for value in page][1:] == [str(n) for n in range(2500)]
    smaller = all_rows(athena, execution["QueryExecutionId"], page_size=7)
    assert smaller == [["n"], *([str(n)] for n in range(2500))]


def test_execution_parameters_fill_placeholders(athena: Any, workgroup: str) -> None:
    execution = run(
        athena,
        "SELECT ? AS a, ? AS b",
        WorkGroup=workgroup,
        ExecutionParameters=["41 + 1", "'heart'"],
    )
    assert execution["ExecutionParameters"] == ["41 + 1", "'heart'"]
    assert all_rows(athena, execution["QueryExecutionId"]) == [["a", "b"], ["42", "heart"]]


def test_client_request_token_returns_the_same_execution(athena: Any, workgroup: str) -> None:
    arguments = {"QueryString": "SELECT 1", "WorkGroup": workgroup, "ClientRequestToken": "x" * 40}
    first = athena.start_query_execution(**arguments)["QueryExecutionId"]
    assert athena.start_query_execution(**arguments)["QueryExecutionId"] == first
    wait_for(athena, first)
    assert athena.start_query_execution(**arguments)["QueryExecutionId"] == first
    assert athena.list_query_executions(WorkGroup=workgroup)["QueryExecutionIds"] == [first]
    with pytest.raises(ClientError) as error:
        athena.start_query_execution(**{**arguments, "QueryString": "SELECT 2"})
    assert error_of(error) == {
        "Code": "InvalidRequestException",
        "Message": "Idempotent parameters do not match",
        "AthenaErrorCode": "IDEMPOTENT_PARAMETER_MISMATCH",
    }


def test_no_output_location_anywhere_is_refused(athena: Any) -> None:
    with pytest.raises(ClientError) as error:
        athena.start_query_execution(QueryString="SELECT 1")  # primary has no location
    assert error_of(error) == {
        "Code": "InvalidRequestException",
        "Message": "No output location provided. An output location is required either through "
        "the Workgroup result configuration setting or as an API input.",
        "AthenaErrorCode": "INVALID_INPUT",
    }


def test_query_output_location_is_used_without_a_workgroup_one(
    athena: Any, s3: Any, bucket: str
) -> None:
    location = f"s3://{bucket}/adhoc/"
    execution = run(athena, "SELECT 7", ResultConfiguration={"OutputLocation": location})
    execution_id = execution["QueryExecutionId"]
    assert execution["WorkGroup"] == "primary"
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{location}{execution_id}.csv"
    assert body_of(s3, f"{location}{execution_id}.csv") == b'"_col0"\n"7"\n'


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("/tmp/results", "outputLocation is not a valid S3 path."),
        (
            "s3://no-such-bucket-for-athena-results/x",
            "Unable to verify/create output bucket no-such-bucket-for-athena-results",
        ),
    ],
)
def test_unusable_output_locations_are_refused(athena: Any, location: str, message: str) -> None:
    with pytest.raises(ClientError) as error:
        athena.start_query_execution(
            QueryString="SELECT 1", ResultConfiguration={"OutputLocation": location}
        )
    assert error_of(error)["Message"] == message


@pytest.mark.parametrize("enforced", [True, False])
def test_enforced_workgroup_settings_override_the_query(
    athena: Any, s3: Any, bucket: str, name: str, enforced: bool
) -> None:
    athena.create_work_group(
        Name=name,
        Configuration={
            "ResultConfiguration": {"OutputLocation": f"s3://{bucket}/workgroup"},
            "EnforceWorkGroupConfiguration": enforced,
        },
    )
    try:
        execution = run(
            athena,
            "SELECT 1",
            WorkGroup=name,
            ResultConfiguration={"OutputLocation": f"s3://{bucket}/query"},
        )
        prefix = "workgroup" if enforced else "query"
        expected = f"s3://{bucket}/{prefix}/{execution['QueryExecutionId']}.csv"
        assert execution["ResultConfiguration"]["OutputLocation"] == expected
        assert body_of(s3, expected) == b'"_col0"\n"1"\n'
    finally:
        athena.delete_work_group(WorkGroup=name, RecursiveDeleteOption=True)


def test_bytes_scanned_cutoff_cancels_a_query_that_reads_more(
    athena: Any, s3: Any, glue: Any, bucket: str, database: str, name: str
) -> None:
    # 10 MB is the smallest cutoff Athena allows, and scanned bytes are compressed bytes:
    # random base64 text keeps three quarters of its size through gzip (~15 MB here).
    records = ({"n": n, "noise": secrets.token_urlsafe(1024)} for n in range(15_000))
    put_ndjson(s3, bucket, "big/part-0.gz", records)
    create_json_table(
        glue,
        database,
        "big",
        f"s3://{bucket}/big/",
        [{"Name": "n", "Type": "int"}, {"Name": "noise", "Type": "string"}],
    )
    athena.create_work_group(
        Name=name,
        Configuration={
            "ResultConfiguration": {"OutputLocation": f"s3://{bucket}/out"},
            "BytesScannedCutoffPerQuery": 10_000_000,
        },
    )
    try:
        context = {"Database": database}
        execution = run(
            athena, "SELECT count(*) FROM big", WorkGroup=name, QueryExecutionContext=context
        )
        assert execution["Status"]["State"] == "CANCELLED"
        assert execution["Status"]["StateChangeReason"] == "Bytes scanned limit was exceeded"
        assert execution["Statistics"]["DataScannedInBytes"] > 0
        small = run(athena, "SELECT 1", WorkGroup=name)
        assert small["Status"]["State"] == "SUCCEEDED"
    finally:
        athena.delete_work_group(WorkGroup=name, RecursiveDeleteOption=True)


def test_list_is_newest_first_and_batch_get_reports_unknown_ids(
    athena: Any, workgroup: str
) -> None:
    started = [
        athena.start_query_execution(QueryString=f"SELECT {n}", WorkGroup=workgroup)[
            "QueryExecutionId"
        ]
        for n in range(3)
    ]
    listed: list[str] = []
    arguments: dict[str, Any] = {"WorkGroup": workgroup, "MaxResults": 2}
    while True:
        page = athena.list_query_executions(**arguments)
        listed += page["QueryExecutionIds"]
        if "NextToken" not in page:
            break
        arguments["NextToken"] = page["NextToken"]
    assert listed == started[::-1]
    answer = athena.batch_get_query_execution(QueryExecutionIds=[started[0], "missing-id"])
    assert [e["QueryExecutionId"] for e in answer["QueryExecutions"]] == [started[0]]
    assert answer["UnprocessedQueryExecutionIds"] == [
        {
            "QueryExecutionId": "missing-id",
            "ErrorCode": "QUERY_EXECUTION_NOT_FOUND",
            "ErrorMessage": "QueryExecution missing-id was not found",
        }
    ]
    for execution_id in started:
        wait_for(athena, execution_id)


def test_stopping_a_finished_query_changes_nothing(athena: Any, workgroup: str) -> None:
    execution = run(athena, "SELECT 1", WorkGroup=workgroup)
    athena.stop_query_execution(QueryExecutionId=execution["QueryExecutionId"])
    again = athena.get_query_execution(QueryExecutionId=execution["QueryExecutionId"])
    assert again["QueryExecution"]["Status"] == execution["Status"]


@pytest.mark.parametrize(
    "call",
    [
        lambda athena: athena.get_query_execution(QueryExecutionId="missing-id"),
        lambda athena: athena.get_query_results(QueryExecutionId="missing-id"),
        lambda athena: athena.stop_query_execution(QueryExecutionId="missing-id"),
    ],
)
def test_unknown_execution(athena: Any, call: Any) -> None:
    with pytest.raises(ClientError) as error:
        call(athena)
    assert error_of(error) == {
        "Code": "InvalidRequestException",
        "Message": "QueryExecution missing-id was not found",
        "AthenaErrorCode": "QUERY_EXECUTION_NOT_FOUND",
    }
