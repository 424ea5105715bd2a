"""Engine options: every per-service knob, declared once with its type, default and meaning.

``Lakehose(options={"kinesis.shard_limit": 50})`` (or ``Settings.options``, or for ``lakehose up``
``LAKEHOSE_OPTIONS="kinesis.shard_limit=50"``) sets them; an engine
reads one with ``EngineEnvironment.option("kinesis.shard_limit")``. A key that is not declared
here, or a value of the wrong type, is refused with ``ConfigurationError`` when the settings are
made (naming the nearest declared key), so a misspelt option never silently keeps its default.

Types: ``int`` options take an ``int``; ``float`` options an ``int`` or a ``float``; ``bool``
options ``True`` or ``False``; ``str`` options a string; ``size`` options a size as DuckDB writes
it (``"1GB"``, ``"512MiB"``) or a number of bytes. ``bool`` is never taken for a number.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lakehose.errors import ConfigurationError
from lakehose.scopes import SERVICES

Kind = Literal["int", "float", "bool", "str", "size"]

# Sizes as DuckDB writes them: KB, MB, GB, TB are powers of 1000; KiB ... TiB powers of 1024.
_SIZE_UNITS = {"b": 1, "bytes": 1} | {
    f"{prefix}{infix}b": (1024 if infix else 1000) ** power
    for power, prefix in enumerate("kmgt", start=1)
    for infix in ("", "i")
}
_KIND_NAMES: dict[Kind, str] = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "str": "a string",
    "size": "a size such as 1GB or 512MiB",
}


@dataclass(frozen=True)
class Option:
    """One engine option: ``name`` is ``<service>.<key>`` as botocore names the service."""

    name: str
    kind: Kind
    default: Any
    meaning: str
    positive: bool = False  # the value must be more than 0
    nullable: bool = False  # ``None`` stands for the default behaviour
    choices: tuple[str, ...] = ()  # for ``str`` options: the values allowed (any when empty)

    @property
    def service(self) -> str:
        return self.name.partition(".")[0]

    @property
    def key(self) -> str:
        """The name without its service, as the engine's environment holds it."""
        return self.name.partition(".")[2]

    def check(self, value: Any) -> Any:
        """``value`` as the engine reads it (a ``float`` option's int as a float), or raise."""
        if value is None and self.nullable:
            return None
        if not _is_kind(self.kind, value):
            raise ConfigurationError(
                f"option {self.name} must be {_KIND_NAMES[self.kind]}, got {value!r}"
            )
        if self.kind == "size":
            parse_size(self.name, value)
            return value
        if self.positive and not value > 0:
            raise ConfigurationError(f"{self.name} must be more than 0, got {value!r}")
        if self.choices and value not in self.choices:
            raise ConfigurationError(
                f"option {self.name} must be one of {', '.join(self.choices)}, got {value!r}"
            )
        return float(value) if self.kind == "float" else value


def _is_kind(kind: Kind, value: Any) -> bool:
    if isinstance(value, bool):
        return kind == "bool"
    if kind == "float":
        return isinstance(value, int | float)
    if kind == "size":
        return isinstance(value, int | str)
    return isinstance(value, {"int": int, "bool": bool, "str": str}[kind])


# Durability of acknowledged writes (docs/durability.md): "normal" survives the death of the
# process, "full" also a power cut or an operating-system crash, at an fsync per commit.
DURABILITY_MODES = ("normal", "full")
# Every engine keeps its state in SQLite (services/engine.py's SqliteEngine), so every service
# has a durability option.

OPTIONS: dict[str, Option] = {
    option.name: option
    for option in (
        *(
            Option(
                f"{service}.durability",
                "str",
                None,
                "normal or full (docs/durability.md); default: the runtime's --durability"
                " (LAKEHOSE_DURABILITY).",
                nullable=True,
                choices=DURABILITY_MODES,
            )
            for service in SERVICES
        ),
        # -- Kinesis (services/kinesis/base.py)
        Option(
            "kinesis.stream_creation_delay_seconds",
            "float",
            0.0,
            "How long a new stream (and a new consumer) stays CREATING by the engine's clock.",
        ),
        Option(
            "kinesis.stream_update_delay_seconds",
            "float",
            0.0,
            "How long a stream stays UPDATING after SplitShard, MergeShards, UpdateShardCount,"
            " UpdateStreamMode, Start/StopStreamEncryption or Enable/DisableEnhancedMonitoring.",
        ),
        Option(
            "kinesis.stream_deletion_delay_seconds",
            "float",
            0.0,
            "How long a deleted stream stays DELETING (still described, no longer read or"
            " written) by the engine's clock before it is gone.",
        ),
        Option(
            "kinesis.shard_limit",
            "int",
            500,
            "The account's open-shard quota (AWS's default in its largest regions).",
        ),
        Option(
            "kinesis.enforce_throughput_limits",
            "bool",
            False,
            "Per-shard write and read limits raising ProvisionedThroughputExceededException.",
        ),
        # -- DynamoDB (services/dynamodb/base.py)
        Option(
            "dynamodb.destination_transition_seconds",
            "float",
            0.0,
            "How long a Kinesis streaming destination stays ENABLING, DISABLING or UPDATING.",
        ),
        # -- Firehose (services/firehose/base.py, engine.py)
        Option(
            "firehose.creation_delay_seconds",
            "float",
            0.0,
            "How long a new delivery stream stays CREATING by the engine's clock.",
        ),
        Option(
            "firehose.source_page_limit",
            "int",
            10_000,
            "Records per shard per read of a Kinesis source.",
            positive=True,
        ),
        # -- Lambda (services/awslambda/base.py)
        Option(
            "lambda.max_concurrency_per_function",
            "int",
            10,
            "Workers one function may run at once without reserved concurrency (AWS scales to"
            " the account's 1,000; a laptop should not); more invocations are throttled.",
        ),
        Option(
            "lambda.idle_worker_seconds",
            "float",
            600.0,
            "A warm worker unused this long by the engine's clock is stopped at run_due().",
        ),
        Option(
            "lambda.node_executable",
            "str",
            None,
            "What runs Node.js functions (default: node on PATH).",
            nullable=True,
        ),
        # -- Glue (services/glue/runs.py)
        Option(
            "glue.crawler_start_seconds",
            "float",
            0.0,
            "How long a started crawler is RUNNING before its crawl runs.",
        ),
        Option(
            "glue.crawler_stopping_seconds",
            "float",
            0.0,
            "How long a crawler stays STOPPING after its crawl before it is READY again.",
        ),
        Option(
            "glue.crawler_sample_records",
            "int",
            1000,
            "How many records of each JSON object the schema is inferred from (Glue reads a"
            " prefix of each file too); every record is still counted for recordCount.",
            positive=True,
        ),
        # -- Athena (services/athena/runner.py, sql/sandbox.py)
        Option(
            "athena.max_concurrent_queries",
            "int",
            4,
            "Worker threads: how many queries run at once; the rest wait QUEUED.",
            positive=True,
        ),
        Option(
            "athena.memory_limit",
            "size",
            "1GB",
            "DuckDB memory one query may take (LAKEHOSE_ATHENA_MEMORY_LIMIT).",
        ),
        Option(
            "athena.threads",
            "int",
            2,
            "DuckDB threads one query may use (LAKEHOSE_ATHENA_THREADS).",
            positive=True,
        ),
        Option(
            "athena.query_timeout_seconds",
            "float",
            300.0,
            "Wall-clock time one query may take (LAKEHOSE_ATHENA_QUERY_TIMEOUT); Athena's DML"
            " timeout is 30 minutes, but a query that runs 5 minutes on a laptop is a runaway.",
            positive=True,
        ),
        Option(
            "athena.max_temp_directory_size",
            "size",
            "10GB",
            "Spill space one query may take on disk.",
        ),
    )
}


def declared(name: str) -> Option:
    """The declaration of option ``name`` (``<service>.<key>``), or ``ConfigurationError``."""
    option = OPTIONS.get(name)
    if option is None:
        raise ConfigurationError(f"unknown option {name!r}{_suggestion(name, OPTIONS)}")
    return option


def parse_options(text: str) -> dict[str, Any]:
    """Options written as ``name=value`` pairs separated by commas (``LAKEHOSE_OPTIONS``), each
    value read as its declared kind: ``kinesis.stream_creation_delay_seconds=5,
    kinesis.enforce_throughput_limits=true``."""
    options: dict[str, Any] = {}
    for pair in filter(None, (item.strip() for item in text.split(","))):
        name, equals, raw = (part.strip() for part in pair.partition("="))
        if not equals:
            raise ConfigurationError(f"option {pair!r} must be written name=value")
        options[name] = _read(declared(name), raw)
    return options


def _read(option: Option, raw: str) -> Any:
    """``raw`` as a value of the option's kind, or ``ConfigurationError``."""
    try:
        if option.kind == "int":
            return int(raw)
        if option.kind == "float":
            return float(raw)
    except ValueError:
        raise ConfigurationError(
            f"option {option.name} must be {_KIND_NAMES[option.kind]}, got {raw!r}"
        ) from None
    if option.kind == "bool":
        if raw.lower() not in ("true", "false"):
            raise ConfigurationError(f"option {option.name} must be true or false, got {raw!r}")
        return raw.lower() == "true"
    return raw  # str and size options take the text as written


def check_options(options: Mapping[str, Any]) -> None:
    """Refuse an undeclared key or a value of the wrong type, naming the nearest valid key."""
    for name, value in options.items():
        declared(str(name)).check(value)


def _suggestion(name: str, names: Iterable[str]) -> str:
    names = list(names)
    close = difflib.get_close_matches(name, names, n=1)
    if not close:
        # A key without its service ("shard_limit") is matched against the keys alone.
        keys = {known.partition(".")[2]: known for known in names}
        close = [keys[key] for key in difflib.get_close_matches(name, keys, n=1)]
    return f"; did you mean {close[0]!r}?" if close else ""


def parse_size(name: str, raw: str | int) -> int:
    """Bytes from a size as DuckDB writes it (``"1GB"``, ``"512 MiB"``) or a number of bytes."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        count = raw
    else:
        text = str(raw).strip().lower().replace(" ", "")
        number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
        factor = _SIZE_UNITS.get(text[len(number) :] or "b")
        try:
            count = int(float(number) * factor) if factor and len(text) <= 40 else 0
        except ValueError:
            count = 0
        if not count:
            raise ConfigurationError(
                f"{name} must be a size such as 1GB or 512MiB, got {str(raw)[:40]!r}"
            )
    if count <= 0:
        raise ConfigurationError(f"{name} must be more than 0 bytes, got {raw!r}")
    return count
