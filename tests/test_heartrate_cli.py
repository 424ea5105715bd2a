"""``lakehose env``, ``generate heartrate`` and ``query`` on an embedded home, without a stack.

The full pipeline behind them is covered by ``test_heartrate_flow`` and ``test_demo``; these check
each command's own job: what it prints, where it sends its calls, how it fails.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lakehose import Lakehose
from lakehose.cli.heartrate import DATABASE_NAME, TABLE_NAME
from lakehose.storage import StateDirectory
from lakehose.storage.statedir import ServerRecord
from tests.conftest import ServerProcess

WORKGROUP = "cli-tests"


@pytest.fixture(autouse=True)
def _no_lakehose_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LAKEHOSE_HOME", "LAKEHOSE_ACCESS_KEY_ID", "LAKEHOSE_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)


def run_cli(*arguments: str, env: dict[str, str] | None = None) -> Result:
    from lakehose.cli.main import cli

    return CliRunner().invoke(cli, list(arguments), env=env)


# -- env ----------------------------------------------------------------------------------------


def test_env_points_the_sdks_at_the_endpoint() -> None:
    result = run_cli("env", "--endpoint", "http://localhost:4599")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "export AWS_ENDPOINT_URL=http://localhost:4599",
        "export AWS_REGION=us-east-1",
        "export AWS_DEFAULT_REGION=us-east-1",
        "export AWS_ACCESS_KEY_ID=test",
        "export AWS_SECRET_ACCESS_KEY=test",
    ]


def test_env_uses_the_configured_credentials_and_quotes_them() -> None:
    result = run_cli(
        "env",
        "--endpoint",
        "http://localhost:4599",
        env={"LAKEHOSE_ACCESS_KEY_ID": "AKIDLOCAL", "LAKEHOSE_SECRET_ACCESS_KEY": "s3cr$t it"},
    )
    assert "export AWS_ACCESS_KEY_ID=AKIDLOCAL" in result.stdout.splitlines()
    assert "export AWS_SECRET_ACCESS_KEY='s3cr$t it'" in result.stdout.splitlines()


def test_env_finds_the_server_running_on_the_home(server: ServerProcess) -> None:
    result = run_cli("env", "--home", str(server.home))
    assert result.stdout.splitlines()[0] == f"export AWS_ENDPOINT_URL={server.endpoint}"


def test_env_ignores_the_record_of_a_server_that_is_gone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    # Nothing listens on port 9 (discard) on a test machine.
    StateDirectory(home).write_server(ServerRecord("http://localhost:9", 1))
    result = run_cli("env", "--home", str(home))
    assert result.stdout.splitlines()[0] == "export AWS_ENDPOINT_URL=http://localhost:4566"
    assert "no server is running" in result.stderr


def test_env_without_a_server_says_so_and_names_the_default_port(tmp_path: Path) -> None:
    result = run_cli("env", "--home", str(tmp_path / "empty"))
    assert result.stdout.splitlines()[0] == "export AWS_ENDPOINT_URL=http://localhost:4566"
    assert "no server is running" in result.stderr


def test_env_unset_undoes_every_export() -> None:
    exported = {line.split("=")[0].split()[1] for line in run_cli("env").stdout.splitlines()}
    unset = {line.split()[1] for line in run_cli("env", "--unset").stdout.splitlines()}
    assert unset == exported


# -- generate -----------------------------------------------------------------------------------


@pytest.fixture
def home_with_table(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    with Lakehose(home=home, background=False) as lake:
        lake.client("dynamodb").create_table(
            TableName=TABLE_NAME,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    return home


def _items(home: Path) -> list[dict[str, dict[str, str]]]:
    with Lakehose(home=home, background=False) as lake:
        items: list[dict[str, dict[str, str]]] = lake.client("dynamodb").scan(TableName=TABLE_NAME)[
            "Items"
        ]
        return items


def test_generate_writes_readings_into_the_home(home_with_table: Path) -> None:
    arguments = ("generate", "heartrate", "--count", "7", "--seed", "9")
    result = run_cli(*arguments, "--home", str(home_with_table))
    assert result.exit_code == 0, result.output
    items = _items(home_with_table)
    assert len(items) == 7
    for item in items:
        assert set(item) == {"id", "HeartRate", "SensorID", "ReportTime"}
        assert all(set(value) == {"S"} for value in item.values())
    # The same seed writes the same ids again: the table still holds seven items.
    run_cli(*arguments, "--home", str(home_with_table))
    assert len(_items(home_with_table)) == 7


def test_generate_into_a_missing_table_says_how_to_deploy(tmp_path: Path) -> None:
    result = run_cli("generate", "heartrate", "--count", "1", "--home", str(tmp_path / "home"))
    assert result.exit_code == 1
    assert "ResourceNotFoundException" in result.stderr
    assert "lakehose deploy examples/heartrate/cdk.out" in result.stderr


def test_generate_needs_a_positive_count() -> None:
    assert run_cli("generate", "heartrate", "--count", "0").exit_code == 2


# -- query --------------------------------------------------------------------------------------


@pytest.fixture
def home_with_workgroup(tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "home"
    with Lakehose(home=home, background=False) as lake:
        lake.client("s3").create_bucket(Bucket="cli-results")
        athena = lake.client("athena")
        athena.create_work_group(
            Name=WORKGROUP,
            Configuration={"ResultConfiguration": {"OutputLocation": "s3://cli-results/out/"}},
        )
        athena.create_named_query(
            Name="greeting",
            Database=DATABASE_NAME,
            QueryString="SELECT 'hello' AS word, CAST(NULL AS varchar) AS nothing",
            WorkGroup=WORKGROUP,
        )
    yield home


def _query(home: Path, *arguments: str) -> Result:
    return run_cli("query", *arguments, "--workgroup", WORKGROUP, "--home", str(home))


def test_query_prints_a_table(home_with_workgroup: Path) -> None:
    result = _query(home_with_workgroup, "SELECT 1 AS one, 'two' AS two")
    assert result.exit_code == 0, result.output
    assert "one" in result.stdout and "two" in result.stdout
    assert "1 row," in result.stdout


def test_query_csv_keeps_athenas_strings_and_json_types_them(home_with_workgroup: Path) -> None:
    sql = "SELECT 1 AS one, CAST(NULL AS varchar) AS nothing"
    as_csv = _query(home_with_workgroup, sql, "--output", "csv")
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [["one", "nothing"], ["1", ""]]
    as_json = _query(home_with_workgroup, sql, "--output", "json")
    assert json.loads(as_json.stdout) == [{"one": 1, "nothing": None}]
    typed = _query(
        home_with_workgroup,
        "SELECT BIGINT '7' AS b, 0.5e0 AS d, true AS t, 'x' AS m, DATE '2023-03-22' AS day",
        "--output",
        "json",
    )
    assert typed.exit_code == 0, typed.output
    assert json.loads(typed.stdout) == [
        {"b": 7, "d": 0.5, "t": True, "m": "x", "day": "2023-03-22"}
    ]


def test_query_defaults_to_primary_and_a_lakehose_results_bucket(home_with_workgroup: Path) -> None:
    result = run_cli(
        "query", "SELECT 1 AS one", "--output", "json", "--home", str(home_with_workgroup)
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"one": 1}]
    with Lakehose(home=home_with_workgroup, background=False) as lake:
        keys = lake.client("s3").list_objects_v2(
            Bucket="lakehose-query-results-000000000000-us-east-1"
        )
        assert any(item["Key"].endswith(".csv") for item in keys.get("Contents", []))


def test_query_takes_an_output_location_and_a_database(home_with_workgroup: Path) -> None:
    result = _query(
        home_with_workgroup,
        "SELECT 1 AS one",
        "--output-location",
        "s3://cli-results/elsewhere/",
        "--database",
        "`default`",
    )
    assert result.exit_code == 0, result.output
    with Lakehose(home=home_with_workgroup, background=False) as lake:
        listed = lake.client("s3").list_objects_v2(Bucket="cli-results", Prefix="elsewhere/")
        assert any(item["Key"].endswith(".csv") for item in listed.get("Contents", []))


def test_query_names_a_missing_workgroup(home_with_workgroup: Path) -> None:
    result = run_cli(
        "query", "SELECT 1", "--workgroup", "no-such-group", "--home", str(home_with_workgroup)
    )
    assert result.exit_code == 1
    assert "workgroup 'no-such-group' not found" in result.stderr


def test_query_runs_a_saved_query_by_name(home_with_workgroup: Path) -> None:
    result = _query(home_with_workgroup, "--named", "greeting", "--output", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"word": "hello", "nothing": None}]


def test_query_finds_a_saved_query_in_any_workgroup(home_with_workgroup: Path) -> None:
    home = str(home_with_workgroup)
    result = run_cli("query", "--named", "greeting", "--output", "json", "--home", home)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"word": "hello", "nothing": None}]
    missing = run_cli("query", "--named", "nowhere", "--home", home)
    assert "no saved query named 'nowhere' in any workgroup" in missing.stderr


def test_query_names_a_missing_saved_query(home_with_workgroup: Path) -> None:
    result = _query(home_with_workgroup, "--named", "no-such-query")
    assert result.exit_code == 1
    assert "no saved query named 'no-such-query'" in result.stderr


def test_query_reports_athenas_reason_for_a_failure(home_with_workgroup: Path) -> None:
    result = _query(home_with_workgroup, 'SELECT * FROM "no-such-table"')
    assert result.exit_code == 1
    assert "FAILED" in result.stderr


@pytest.mark.parametrize("arguments", [(), ("SELECT 1", "--named", "greeting")])
def test_query_needs_sql_or_a_name_but_not_both(arguments: tuple[str, ...]) -> None:
    assert run_cli("query", *arguments).exit_code == 2
