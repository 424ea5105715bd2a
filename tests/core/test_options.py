"""Engine options are declared once (``lakehose/options.py``), typed, and checked when given."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from lakehose.clock import ManualClock
from lakehose.errors import ConfigurationError
from lakehose.ids import IdGenerator
from lakehose.options import OPTIONS, check_options
from lakehose.runtime import Lakehose
from lakehose.services.engine import EngineEnvironment
from lakehose.settings import Settings

SOURCE = Path(__file__).resolve().parents[2] / "src" / "lakehose"


def _option_reads() -> dict[str, list[str]]:
    """Every ``option("<service>.<key>")`` / ``x.option(...)`` call in src/, by name read."""
    reads: dict[str, list[str]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else None
            if isinstance(function, ast.Name):
                called = function.id
            if called != "option":
                continue
            owner = function.value if isinstance(function, ast.Attribute) else None
            if isinstance(owner, ast.Name) and owner.id == "click":
                continue  # a CLI flag, not an engine option
            first = node.args[0]
            where = f"{path.relative_to(SOURCE)}:{node.lineno}"
            if (key := _every_service_key(first)) is not None:
                # f"{service}.<key>": the one option every engine has (durability).
                for name in OPTIONS:
                    if name.endswith(f".{key}"):
                        reads.setdefault(name, []).append(where)
                continue
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"{where}: an option is read by a literal name"
            )
            reads.setdefault(first.value, []).append(where)
    return reads


def _every_service_key(node: ast.expr) -> str | None:
    """``key`` for a name written ``f"{<service>}.<key>"``, else None."""
    if not isinstance(node, ast.JoinedStr) or len(node.values) != 2:
        return None
    service, rest = node.values
    if not isinstance(service, ast.FormattedValue) or not isinstance(rest, ast.Constant):
        return None
    text = str(rest.value)
    return text[1:] if text.startswith(".") and text[1:].isidentifier() else None


def test_every_option_read_in_src_is_declared_and_every_declared_one_read() -> None:
    reads = _option_reads()
    assert reads, "no option reads found: the parser above is out of date"
    undeclared = {name: where for name, where in reads.items() if name not in OPTIONS}
    assert not undeclared
    assert sorted(OPTIONS) == sorted(reads)


def test_declarations_are_well_formed() -> None:
    for name, option in OPTIONS.items():
        assert option.name == name and option.service and option.key
        assert option.meaning
        assert option.check(option.default) == option.default


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("kinesis.shard_limits", "kinesis.shard_limit"),
        ("kinesis.stream_creation_delay", "kinesis.stream_creation_delay_seconds"),
        ("shard_limit", "kinesis.shard_limit"),
        ("athena.thread", "athena.threads"),
    ],
)
def test_an_unknown_key_is_refused_with_the_nearest_valid_one(key: str, suggestion: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(f"did you mean '{suggestion}'")):
        Settings(options={key: 1})


def test_an_unknown_key_given_to_the_runtime_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"glue\.crawler_start_seconds"):
        Lakehose(home=tmp_path, options={"glue.crawler_start_second": 5})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("kinesis.shard_limit", "5"),
        ("kinesis.shard_limit", 5.5),
        ("kinesis.shard_limit", True),
        ("kinesis.enforce_throughput_limits", 1),
        ("kinesis.stream_creation_delay_seconds", "30"),
        ("lambda.node_executable", 3),
        ("athena.memory_limit", 1.5),
        ("athena.threads", 0),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(key: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(key)):
        Settings(options={key: value})


def test_good_values_pass() -> None:
    check_options(
        {
            "kinesis.shard_limit": 5,
            "kinesis.stream_creation_delay_seconds": 30,  # an int for a float option
            "kinesis.enforce_throughput_limits": True,
            "lambda.node_executable": None,
            "athena.memory_limit": "2GB",
            "athena.max_temp_directory_size": 1 << 30,
        }
    )


def test_the_engine_reads_the_given_value_or_the_declared_default(tmp_path: Path) -> None:
    environment = EngineEnvironment(
        region="us-east-1",
        account_id="000000000000",
        clock=ManualClock(),
        ids=IdGenerator(),
        directory=tmp_path,
        endpoint_url="http://localhost:4566",
        options={"stream_creation_delay_seconds": 30},
    )
    assert environment.option("kinesis.stream_creation_delay_seconds") == 30.0
    assert environment.option("kinesis.shard_limit") == OPTIONS["kinesis.shard_limit"].default
    with pytest.raises(ConfigurationError, match=r"did you mean 'kinesis\.shard_limit'"):
        environment.option("kinesis.shard_limits")


def test_options_from_the_environment_are_read_by_their_kind() -> None:
    settings = Settings.from_env(
        {
            "LAKEHOSE_OPTIONS": "kinesis.stream_creation_delay_seconds=2.5, kinesis.shard_limit=7,"
            "kinesis.enforce_throughput_limits=true,athena.memory_limit=2GB"
        }
    )
    assert settings.options == {
        "kinesis.stream_creation_delay_seconds": 2.5,
        "kinesis.shard_limit": 7,
        "kinesis.enforce_throughput_limits": True,
        "athena.memory_limit": "2GB",
    }


@pytest.mark.parametrize(
    "text",
    ["kinesis.shard_limit", "kinesis.shard_limit=many", "kinesis.shard_limits=5", "x.y=1"],
)
def test_a_malformed_environment_option_is_refused(text: str) -> None:
    with pytest.raises(ConfigurationError):
        Settings.from_env({"LAKEHOSE_OPTIONS": text})


def test_durability_is_a_setting_and_an_option_per_engine(tmp_path: Path) -> None:
    def synchronous(lake: Lakehose) -> dict[str, int]:
        # SQLite's PRAGMA synchronous: 1 is NORMAL, 2 is FULL.
        found = {}
        for service in ("dynamodb", "kinesis", "s3", "athena"):
            engine = lake.engine(service)
            database = getattr(engine, "db", None)
            assert database is not None
            found[service] = database.query("PRAGMA synchronous")[0][0]
        return found

    with Lakehose(home=tmp_path / "a", background=False) as lake:
        assert synchronous(lake) == {"dynamodb": 1, "kinesis": 1, "s3": 1, "athena": 1}
    full = Settings.from_env({"LAKEHOSE_DURABILITY": "full", "LAKEHOSE_HOME": str(tmp_path / "b")})
    with Lakehose(settings=full, background=False) as lake:
        assert synchronous(lake) == {"dynamodb": 2, "kinesis": 2, "s3": 2, "athena": 2}
    # An engine's own option wins over the runtime's setting, either way.
    options = {"kinesis.durability": "full", "s3.durability": "normal"}
    with Lakehose(
        settings=full.replace(durability="normal"), options=options, background=False
    ) as lake:
        assert synchronous(lake) == {"dynamodb": 1, "kinesis": 2, "s3": 1, "athena": 1}
    with Lakehose(settings=full, options={"s3.durability": "normal"}, background=False) as lake:
        assert synchronous(lake)["s3"] == 1


@pytest.mark.parametrize(
    "given",
    [{"options": {"dynamodb.durability": "fsync"}}, {"durability": "paranoid"}],
)
def test_an_unknown_durability_is_refused(given: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match=r"must be one of normal, full|normal or full"):
        Settings(**given)
