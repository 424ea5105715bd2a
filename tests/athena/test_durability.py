"""What survives a restart: workgroups, named queries, finished executions and their results;
a query that was running is FAILED as a system error, a query that was waiting runs; prepared
statements and data manifests survive a kill -9."""

from __future__ import annotations

from pathlib import Path

from lakehose import Lakehose
from tests.athena.conftest import all_rows, run
from tests.athena.standin import StandInSql, stand_in
from tests.conftest import ServerProcess

OUTPUT = "s3://results/out"


def test_restart_keeps_state_fails_lost_runs_and_runs_waiting_queries(tmp_path: Path) -> None:
    home = tmp_path / "home"
    sql = StandInSql()
    with Lakehose(home=home, background=False, builders={"athena": stand_in(sql)}) as first:
        athena, s3 = first.client("athena"), first.client("s3")
        s3.create_bucket(Bucket="results")
        athena.create_work_group(
            Name="wg", Configuration={"ResultConfiguration": {"OutputLocation": OUTPUT}}
        )
        named = athena.create_named_query(
            Name="q", Database="db", QueryString="SELECT 1", WorkGroup="wg"
        )["NamedQueryId"]
        finished = athena.start_query_execution(QueryString="SELECT 'x' AS a", WorkGroup="wg")
        first.flush()
        sql.entered.clear()  # set by the finished query; this wait is for the next one
        sql.release.clear()
        running = athena.start_query_execution(QueryString="SELECT 1", WorkGroup="wg")
        assert sql.entered.wait(10)
        waiting = athena.start_query_execution(QueryString="SELECT 2", WorkGroup="wg")
        # Leaving the block closes the runtime while one query runs and one waits.

    with Lakehose(home=home, background=False) as second:
        second.flush()
        athena = second.client("athena")
        assert athena.get_work_group(WorkGroup="wg")["WorkGroup"]["Name"] == "wg"
        assert athena.get_named_query(NamedQueryId=named)["NamedQuery"]["QueryString"] == (
            "SELECT 1"
        )
        assert all_rows(athena, finished["QueryExecutionId"]) == [["a"], ["x"]]

        lost = athena.get_query_execution(QueryExecutionId=running["QueryExecutionId"])
        status = lost["QueryExecution"]["Status"]
        assert status["State"] == "FAILED"
        assert status["AthenaError"]["ErrorCategory"] == 1
        assert status["AthenaError"]["ErrorType"] == 100
        assert status["AthenaError"]["Retryable"] is True
        assert "lakehose stopped while this query was running" in status["StateChangeReason"]

        ran = athena.get_query_execution(QueryExecutionId=waiting["QueryExecutionId"])
        assert ran["QueryExecution"]["Status"]["State"] == "SUCCEEDED"
        assert all_rows(athena, waiting["QueryExecutionId"]) == [["_col0"], ["2"]]


def test_prepared_statements_and_manifests_survive_kill_9(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = ServerProcess(home)
    try:
        athena, s3 = first.client("athena"), first.client("s3")
        s3.create_bucket(Bucket="results")
        athena.create_work_group(
            Name="wg", Configuration={"ResultConfiguration": {"OutputLocation": OUTPUT}}
        )
        athena.create_prepared_statement(
            StatementName="plus", WorkGroup="wg", QueryStatement="SELECT ? + 1 AS n"
        )
        run(athena, "CREATE DATABASE kept", WorkGroup="wg")
        created = run(athena, "CREATE TABLE kept.t AS SELECT 1 AS n", WorkGroup="wg")
        assert created["Status"]["State"] == "SUCCEEDED", created["Status"]
    finally:
        first.kill()
    second = ServerProcess(home)
    try:
        athena = second.client("athena")
        found = athena.get_prepared_statement(StatementName="plus", WorkGroup="wg")
        assert found["PreparedStatement"]["QueryStatement"] == "SELECT ? + 1 AS n"
        again = athena.get_query_execution(QueryExecutionId=created["QueryExecutionId"])
        statistics = again["QueryExecution"]["Statistics"]
        assert statistics["DataManifestLocation"] == created["Statistics"]["DataManifestLocation"]
        executed = run(athena, "EXECUTE plus USING 41", WorkGroup="wg")
        assert all_rows(athena, executed["QueryExecutionId"]) == [["n"], ["42"]]
    finally:
        second.stop()
