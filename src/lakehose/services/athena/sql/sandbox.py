"""The sandbox a query runs in: what SQL is accepted, and the DuckDB connection it runs on.

Two fences, so that neither alone has to be perfect:

1. ``check_query`` accepts only a query (SELECT, WITH, VALUES, set operations) and refuses what
   Trino would not parse or resolve: table functions (``read_csv('/etc/passwd')``), DuckDB's
   own introspection and side-effect functions, and lakehose's internal names. Statements such
   as COPY, ATTACH, INSTALL, LOAD, SET and PRAGMA never reach DuckDB: ``engine`` only runs the
   statements it recognises.
2. ``connect`` opens a fresh in-memory DuckDB per query with external access off, only the
   data files that query reads in ``allowed_paths``, extension auto-loading off and the
   configuration locked, so a statement that slipped through still cannot read another file,
   write one, attach a database or change a setting.

The connection also fixes what Trino fixes: the session time zone is UTC and ``/`` on integers
is integer division.

And it bounds what one query may take from the machine (``Limits``, set by the ``athena.*``
options): DuckDB's ``memory_limit`` (its buffer manager spills to the scratch directory, itself
capped by ``max_temp_directory_size``, or fails the query) and ``threads``. Some DuckDB
allocations escape the buffer manager (list and string aggregate states, strings built by
``lpad`` or ``replace``), so ``Watchdog`` also watches the process's resident memory while the
query runs and stops the query once the process has grown by more than twice the limit; it
stops it as well at the query timeout, and when the caller cancels. A query stopped for memory
fails as Athena's does, "Query exhausted resources at this scale factor"; one stopped by the
timeout fails with Athena's "Query timeout". DuckDB checks for an interrupt between vectors of
rows, so one expression that builds a single multi-gigabyte value is stopped only after it
returns (docs/deviations.md).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
from sqlglot import exp

from lakehose.options import OPTIONS, parse_size
from lakehose.services.athena.sql.errors import (
    FUNCTION_NOT_FOUND,
    NOT_SUPPORTED,
    SYNTAX_ERROR,
    SYSTEM,
    ErrorKind,
    QueryFailed,
    position_in,
)
from lakehose.services.athena.sql.functions import MACROS
from lakehose.services.athena.sql.translate import node_offset
from lakehose.services.athena.sql.udfs import register as register_functions

INTERNAL_PREFIX = "__lh"
# The defaults of the ``athena.*`` options (declared in lakehose/options.py).
DEFAULT_MEMORY_LIMIT: str = OPTIONS["athena.memory_limit"].default
DEFAULT_THREADS: int = OPTIONS["athena.threads"].default
DEFAULT_TIMEOUT_SECONDS: float = OPTIONS["athena.query_timeout_seconds"].default
DEFAULT_MAX_TEMP_DIRECTORY_SIZE: str = OPTIONS["athena.max_temp_directory_size"].default
# Athena's error catalog gives types 0-8 to "Query exhausted resources at this scale factor",
# the codes of Trino's INSUFFICIENT_RESOURCES errors, of which EXCEEDED_LOCAL_MEMORY_LIMIT is 7;
# the category is not documented [unconfirmed]. The timeout's kind is observed: 1 / 206.
RESOURCES_EXHAUSTED = ErrorKind("EXCEEDED_LOCAL_MEMORY_LIMIT", SYSTEM, 7)
QUERY_TIMEOUT = ErrorKind("QUERY_TIMEOUT", SYSTEM, 206)
_WATCH_SECONDS = 0.05
# DuckDB functions with no Trino counterpart that read state or files, or are plumbing.
_DENIED_PREFIXES = (
    "duckdb_", "pragma_", "read_", "parquet_", "glob", "sniff_", "current_setting", "getvariable",
    "query", "iceberg_", "delta_", "sqlite_", "postgres_", "mysql_", "icu_", "which_secret",
    "checkpoint", "force_checkpoint", "json_execute", "json_serialize_sql", "json_deserialize",
    "lh_", "enable_", "disable_", "test_", "summary", "range", "generate_series", "unnest",
    "repeat_row", "arrow_scan", "seq_scan", "index_scan", "get_block_size", "finalize",
)  # fmt: skip
_QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Values, exp.Subquery)
# Parsed DuckDB-only constructs that must not reach DuckDB from user SQL.
_DENIED_NODES: tuple[type[exp.Expr], ...] = (
    exp.ReadCSV,
    exp.ReadParquet,
    exp.Copy,
    exp.Set,
    exp.Pragma,
    exp.Command,
    exp.Create,
    exp.Drop,
    exp.Insert,
    exp.Delete,
    exp.Update,
    exp.Merge,
    exp.Use,
    exp.Version,
)


def _refuse(query: str, node: exp.Expr, kind: str, text: str) -> QueryFailed:
    offset = node_offset(node)
    position = position_in(query, offset) if offset is not None else None
    error = {"syntax": SYNTAX_ERROR, "function": FUNCTION_NOT_FOUND}.get(kind, NOT_SUPPORTED)
    return QueryFailed(error, text, position=position)


def check_query(query: str, tree: exp.Expr) -> None:
    """Raise ``QueryFailed`` unless ``tree`` is a plain query Trino would accept."""
    if not isinstance(tree, _QUERY_ROOTS):
        raise _refuse(query, tree, "syntax", f"mismatched input '{query.split()[0]}'")
    for node in tree.walk():
        if isinstance(node, _DENIED_NODES):
            raise _refuse(query, node, "syntax", f"mismatched input '{node.key}'")
        if isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier):
            raise _refuse(query, node, "syntax", "mismatched input '('. Expecting: <identifier>")
        if isinstance(node, exp.Identifier) and node.name.lower().startswith(INTERNAL_PREFIX):
            raise _refuse(query, node, "other", f"Identifier '{node.name}' is reserved")
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name.startswith(_DENIED_PREFIXES):
                raise _refuse(query, node, "function", f"Function '{name}' not registered")


@dataclass(frozen=True)
class Limits:
    """What one query may take: DuckDB's memory, threads and spill space, and wall-clock time."""

    memory_limit: int = parse_size("memory_limit", DEFAULT_MEMORY_LIMIT)
    threads: int = DEFAULT_THREADS
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_temp_directory_size: int = parse_size(
        "max_temp_directory_size", DEFAULT_MAX_TEMP_DIRECTORY_SIZE
    )

    @classmethod
    def from_options(cls, option: Callable[[str], Any]) -> Limits:
        """The limits an engine's ``athena.*`` options set (``EngineEnvironment.option``)."""
        return cls(
            memory_limit=parse_size("memory_limit", option("athena.memory_limit")),
            threads=int(option("athena.threads")),
            timeout_seconds=float(option("athena.query_timeout_seconds")),
            max_temp_directory_size=parse_size(
                "max_temp_directory_size", option("athena.max_temp_directory_size")
            ),
        )

    def single_threaded(self) -> Limits:
        return replace(self, threads=1)


def resources_exhausted() -> QueryFailed:
    return QueryFailed(
        RESOURCES_EXHAUSTED, "Query exhausted resources at this scale factor", bare=True
    )


def query_timeout() -> QueryFailed:
    return QueryFailed(QUERY_TIMEOUT, "Query timeout", bare=True)


def connect(
    scratch: Path,
    allowed_paths: Iterable[Path],
    limits: Limits | None = None,
    sql: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """A locked-down in-memory DuckDB that can read exactly ``allowed_paths``, with the
    ``lh_`` macros and functions that ``sql`` calls (all of them when no SQL is given)."""
    limits = limits or Limits()
    scratch.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "allow_persistent_secrets": False,
            # Set when the database opens, so that not even opening it exceeds them.
            "memory_limit": f"{limits.memory_limit}B",
            "threads": limits.threads,
        },
    )
    try:
        paths = [str(p) for p in allowed_paths]
        if paths:
            connection.execute("SET allowed_paths = ?", [paths])
        connection.execute("SET temp_directory = ?", [str(scratch)])
        connection.execute(f"SET max_temp_directory_size = '{limits.max_temp_directory_size}B'")
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET integer_division = true")
        connection.execute("SET enable_external_access = false")
        connection.execute("SET lock_configuration = true")
        wanted = _used_names(sql)
        for name, macro in MACROS_BY_NAME.items():
            if wanted is None or name in wanted:
                connection.execute(macro)
        register_functions(connection, wanted)
    except BaseException:
        connection.close()
        raise
    return connection


_LH_NAME = re.compile(r"\blh_\w+", re.IGNORECASE)
MACROS_BY_NAME = {
    _LH_NAME.search(macro).group().lower(): macro  # type: ignore[union-attr]
    for macro in MACROS
}


def _used_names(sql: str | None) -> set[str] | None:
    """The ``lh_`` names ``sql`` calls, with those the macros it calls call in turn."""
    if sql is None:
        return None
    wanted: set[str] = set()
    pending = {m.lower() for m in _LH_NAME.findall(sql)}
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        wanted.add(name)
        body = MACROS_BY_NAME.get(name, "")
        pending |= {m.lower() for m in _LH_NAME.findall(body)} - wanted
    return wanted


def _resident_bytes() -> int | None:
    """The process's resident memory now (Linux), or its peak elsewhere; None if unknown."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows: only DuckDB's own limit applies
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # The peak only grows, so growth past the budget still means the query allocated that much.
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


class Watchdog:
    """Interrupts a query's DuckDB on cancel, at the timeout, or when memory runs away.

    Use it around everything the query does on ``connection``; ``stop`` is set with any
    interrupt (a ``Meter`` checks it between files), and ``failure`` turns what the query raised
    into the error of the limit that stopped it, if one did.
    """

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        limits: Limits,
        cancel: threading.Event | None = None,
    ) -> None:
        self.connection = connection
        self.limits = limits
        self.cancel = cancel
        self.stop = threading.Event()
        self._reason: QueryFailed | None = None
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="athena-watchdog", daemon=True)

    def __enter__(self) -> Watchdog:
        self._baseline = _resident_bytes()
        self._deadline = time.monotonic() + self.limits.timeout_seconds
        if self.cancel is not None and self.cancel.is_set():
            self.stop.set()  # stopped before it began: no file is read
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._finished.set()
        self._thread.join()

    def failure(self, error: BaseException) -> QueryFailed | None:
        """The limit's error if a limit stopped the query (or DuckDB ran out of memory)."""
        if self._reason is not None:
            return self._reason
        if isinstance(error, duckdb.OutOfMemoryException | MemoryError):
            return resources_exhausted()
        return None

    def _watch(self) -> None:
        budget = 2 * self.limits.memory_limit
        # Keep interrupting: an interrupt that lands between two DuckDB calls (binding, then
        # executing) is forgotten when the next call starts.
        while not self._finished.wait(_WATCH_SECONDS):
            if self._reason is None and not self.stop.is_set():
                resident = _resident_bytes() if self._baseline is not None else None
                if time.monotonic() >= self._deadline:
                    self._reason = query_timeout()
                elif resident is not None and resident - (self._baseline or 0) > budget:
                    self._reason = resources_exhausted()
                elif self.cancel is None or not self.cancel.is_set():
                    continue
                self.stop.set()
            self.connection.interrupt()
