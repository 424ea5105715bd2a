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
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"{where}: an option is read by a literal name"
            )
            reads.setdefault(first.value, []).append(where)
    return reads


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
