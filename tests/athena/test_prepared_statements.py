"""Prepared statements through boto3 in both modes: the API, and PREPARE / EXECUTE in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.athena.conftest import all_rows, error_of, run


def test_create_get_update_list_and_delete(athena: Any, workgroup: str) -> None:
    athena.create_prepared_statement(
        StatementName="by_rate",
        WorkGroup=workgroup,
        QueryStatement="SELECT ? AS rate",
        Description="one rate",
    )
    found = athena.get_prepared_statement(StatementName="by_rate", WorkGroup=workgroup)
    statement = found["PreparedStatement"]
    assert isinstance(statement.pop("LastModifiedTime"), datetime)
    assert statement == {
        "StatementName": "by_rate",
        "QueryStatement": "SELECT ? AS rate",
        "WorkGroupName": workgroup,
        "Description": "one rate",
    }
    with pytest.raises(ClientError) as taken:
        athena.create_prepared_statement(
            StatementName="by_rate", WorkGroup=workgroup, QueryStatement="SELECT 1"
        )
    assert error_of(taken)["Code"] == "InvalidRequestException"
    athena.update_prepared_statement(
        StatementName="by_rate", WorkGroup=workgroup, QueryStatement="SELECT ? + 1 AS rate"
    )
    updated = athena.get_prepared_statement(StatementName="by_rate", WorkGroup=workgroup)
    assert updated["PreparedStatement"]["QueryStatement"] == "SELECT ? + 1 AS rate"
    assert updated["PreparedStatement"]["Description"] == "one rate"  # not given, so kept
    for name in ("a_first", "z_last"):
        athena.create_prepared_statement(
            StatementName=name, WorkGroup=workgroup, QueryStatement="SELECT 1"
        )
    names: list[str] = []
    arguments: dict[str, Any] = {"WorkGroup": workgroup, "MaxResults": 2}
    while True:
        page = athena.list_prepared_statements(**arguments)
        names += [s["StatementName"] for s in page["PreparedStatements"]]
        if "NextToken" not in page:
            break
        arguments["NextToken"] = page["NextToken"]
    assert names == ["a_first", "by_rate", "z_last"]
    batch = athena.batch_get_prepared_statement(
        PreparedStatementNames=["z_last", "missing"], WorkGroup=workgroup
    )
    assert [s["StatementName"] for s in batch["PreparedStatements"]] == ["z_last"]
    assert batch["UnprocessedPreparedStatementNames"] == [
        {
            "StatementName": "missing",
            "ErrorCode": "STATEMENT_NOT_FOUND",
            "ErrorMessage": "PreparedStatement missing was not found",
        }
    ]
    athena.delete_prepared_statement(StatementName="by_rate", WorkGroup=workgroup)
    for call in (athena.get_prepared_statement, athena.delete_prepared_statement):
        with pytest.raises(ClientError) as gone:
            call(StatementName="by_rate", WorkGroup=workgroup)
        assert error_of(gone)["Code"] == "ResourceNotFoundException"
        assert error_of(gone)["Message"] == "PreparedStatement by_rate was not found"


def test_an_unknown_workgroup_is_refused(athena: Any, name: str) -> None:
    with pytest.raises(ClientError) as refused:
        athena.list_prepared_statements(WorkGroup=f"{name}-none")
    assert error_of(refused)["Code"] == "InvalidRequestException"


def test_execute_runs_an_api_statement_and_prepare_makes_one(athena: Any, workgroup: str) -> None:
    athena.create_prepared_statement(
        StatementName="plus", WorkGroup=workgroup, QueryStatement="SELECT ? + ? AS total"
    )
    executed = run(athena, "EXECUTE plus USING 40, 2", WorkGroup=workgroup)
    assert executed["Status"]["State"] == "SUCCEEDED", executed["Status"]
    # Classified as the statement it runs: a query, with a CSV result and a header row.
    assert executed["ResultConfiguration"]["OutputLocation"].endswith(".csv")
    assert all_rows(athena, executed["QueryExecutionId"]) == [["total"], ["42"]]
    parameters = run(athena, "EXECUTE plus", WorkGroup=workgroup, ExecutionParameters=["1", "2"])
    assert all_rows(athena, parameters["QueryExecutionId"]) == [["total"], ["3"]]
    assert parameters["ExecutionParameters"] == ["1", "2"]
    prepared = run(athena, "PREPARE twice FROM SELECT 2 * ? AS doubled", WorkGroup=workgroup)
    assert prepared["Status"]["State"] == "SUCCEEDED", prepared["Status"]
    found = athena.get_prepared_statement(StatementName="twice", WorkGroup=workgroup)
    assert found["PreparedStatement"]["QueryStatement"] == "SELECT 2 * ? AS doubled"
    run(athena, "DEALLOCATE PREPARE twice", WorkGroup=workgroup)
    missing = run(athena, "EXECUTE twice USING 1", WorkGroup=workgroup)
    assert missing["Status"]["State"] == "FAILED"
    assert missing["Status"]["AthenaError"]["ErrorMessage"] == (
        "NOT_FOUND: Prepared statement not found: twice"
    )


def test_runtime_statistics_and_the_ctas_data_manifest(
    athena: Any, s3: Any, workgroup: str, bucket: str
) -> None:
    query = run(athena, "SELECT * FROM (VALUES 1, 2, 3) AS t (n)", WorkGroup=workgroup)
    statistics = athena.get_query_runtime_statistics(QueryExecutionId=query["QueryExecutionId"])
    runtime = statistics["QueryRuntimeStatistics"]
    assert set(runtime["Timeline"]) == {
        "QueryQueueTimeInMillis",
        "ServicePreProcessingTimeInMillis",
        "QueryPlanningTimeInMillis",
        "EngineExecutionTimeInMillis",
        "ServiceProcessingTimeInMillis",
        "TotalExecutionTimeInMillis",
    }
    assert runtime["Rows"]["OutputRows"] == 3
    assert "DataManifestLocation" not in query["Statistics"]
    database = workgroup.replace("-", "_")
    run(athena, f"CREATE DATABASE {database}", WorkGroup=workgroup)
    try:
        created = run(
            athena,
            "CREATE TABLE t AS SELECT * FROM (VALUES 1, 2, 3) AS t (n)",
            WorkGroup=workgroup,
            QueryExecutionContext={"Database": f"`{database}`"},
        )
        assert created["Status"]["State"] == "SUCCEEDED", created["Status"]
        location = created["ResultConfiguration"]["OutputLocation"]
        manifest = created["Statistics"]["DataManifestLocation"]
        assert manifest == f"{location}-manifest.csv"
        body = s3.get_object(Bucket=bucket, Key=manifest.split("/", 3)[3])["Body"].read()
        [data_file] = body.decode().splitlines()
        assert data_file.startswith(f"s3://{bucket}/athena-output/tables/")
        ran = athena.get_query_runtime_statistics(QueryExecutionId=created["QueryExecutionId"])
        assert ran["QueryRuntimeStatistics"]["Rows"]["OutputRows"] == 3
    finally:
        run(athena, f"DROP TABLE IF EXISTS {database}.t", WorkGroup=workgroup)
        run(athena, f"DROP DATABASE IF EXISTS {database}", WorkGroup=workgroup)
