"""``SqlEngine``: one Athena statement at a time, from SQL text to an Athena-shaped outcome.

A query (SELECT, WITH, VALUES) runs in four steps:

1. parse it in Trino's dialect and check it is a query the sandbox accepts (``sandbox``);
2. plan it: inline views, resolve catalog tables, prune partitions, list files (``planner``);
3. open a sandboxed DuckDB allowed to read exactly those files, register one relation per
   table reference (``relations``) and run the translated SQL (``translate``);
4. name and render the result as Athena does (``render``).

Other statements go to ``ddl``, ``show`` and ``ctas``, recognised by their first words. The
engine holds no per-query state, so concurrent ``execute`` calls (one per worker) are safe.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlglot import exp

from lakehose.clock import Clock, SystemClock, utc_datetime
from lakehose.services.athena.ports import CatalogPort, ObjectStorePort
from lakehose.services.athena.sql import ctas, ddl, explain, prepared, show, unload
from lakehose.services.athena.sql.catalog import CATALOG, Resolver
from lakehose.services.athena.sql.context import Context, Selected, done
from lakehose.services.athena.sql.duck_errors import map_error
from lakehose.services.athena.sql.duck_types import result_column
from lakehose.services.athena.sql.errors import (
    CATALOG_NOT_FOUND,
    GENERIC_INTERNAL_ERROR,
    INVALID_PARAMETER_USAGE,
    NOT_SUPPORTED,
    SYNTAX_ERROR,
    QueryCancelled,
    QueryFailed,
)
from lakehose.services.athena.sql.outcome import QueryOutcome
from lakehose.services.athena.sql.partitions import Evaluator
from lakehose.services.athena.sql.planner import Planner
from lakehose.services.athena.sql.prepared import PreparedStatements
from lakehose.services.athena.sql.relations import Meter, register
from lakehose.services.athena.sql.render import render_column
from lakehose.services.athena.sql.sandbox import Limits, Watchdog, check_query, connect
from lakehose.services.athena.sql.translate import (
    bind_parameters,
    final_names,
    parse,
    to_duckdb,
    translate,
)
from lakehose.services.athena.sql.words import Words
from lakehose.services.athena.sql.zones import ZONE_COLUMN

logger = logging.getLogger(__name__)
_QUERY_WORDS = ("SELECT", "WITH", "VALUES", "(", "TABLE")
DEFAULT_DATABASE = "default"


class SqlEngine:
    """Runs Athena SQL over a Glue catalog and an S3 object store (see the module docstring)."""

    def __init__(
        self,
        catalog: CatalogPort,
        store: ObjectStorePort,
        *,
        scratch_dir: Path,
        region: str,
        account_id: str,
        clock: Clock | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.scratch_dir = scratch_dir
        self.region = region
        self.account_id = account_id
        self.clock: Clock = clock or SystemClock()
        # What each query's DuckDB may take (memory, threads, time): see ``sandbox``.
        self.limits = limits or Limits()
        self._lock = threading.Lock()
        # Files opened by every query so far: tests assert pruning with it.
        self.files_opened = 0

    def close(self) -> None:
        """Nothing is held between queries; kept for the engine life cycle."""

    def execute(
        self,
        query: str,
        *,
        database: str | None,
        catalog: str | None = "AwsDataCatalog",
        parameters: Sequence[str] = (),
        output_location: str | None = None,
        bytes_scanned_cutoff: int | None = None,
        cancel: threading.Event | None = None,
        query_execution_id: str | None = None,
        prepared_statements: PreparedStatements | None = None,
    ) -> QueryOutcome:
        """Run one statement; every failure is a ``QueryFailed`` carrying Athena's error.

        ``prepared_statements`` are the workgroup's, for PREPARE, EXECUTE and DEALLOCATE."""
        try:
            if (catalog or CATALOG).lower() != CATALOG:
                raise QueryFailed(CATALOG_NOT_FOUND, f"Catalog '{catalog}' does not exist")
            executes = Words.of(query).peek() == "EXECUTE"
            # EXECUTE hands its parameters to the prepared statement instead.
            text = bind_parameters(query, parameters) if parameters and not executes else query
            context = Context(
                query=text,
                catalog=self.catalog,
                store=self.store,
                # Athena's session database is "default" when the context names none; a
                # client may quote it as Hive DDL quotes names (awswrangler sends `db`).
                resolver=Resolver(self.catalog, _unquoted(database) or DEFAULT_DATABASE),
                now=utc_datetime(self.clock).replace(tzinfo=None),
                output_location=output_location,
                query_id=query_execution_id or str(uuid.uuid4()),
                select=lambda tree, sql, empty: self._select(
                    context, tree, sql, empty, bytes_scanned_cutoff, cancel
                ),
            )
            session = _Session(
                prepared_statements, parameters if executes else (), bytes_scanned_cutoff, cancel
            )
            outcome = self._dispatch(context, session)
        except QueryFailed:
            raise
        except Exception as error:
            logger.exception("unexpected failure running an Athena query")
            raise QueryFailed(GENERIC_INTERNAL_ERROR, f"Internal error: {error}") from error
        with self._lock:
            self.files_opened += outcome.files_opened
        return outcome

    # -- statements --------------------------------------------------------------------------

    def _dispatch(self, context: Context, session: _Session) -> QueryOutcome:
        text = context.query.strip().rstrip(";").strip()
        context.query = text
        words = Words.of(text)
        first = words.peek()
        if first in _QUERY_WORDS:
            return self._query(context)
        if words.accept("UNLOAD"):
            return unload.unload(context, words)
        if words.accept("EXPLAIN"):
            return self._explain(context, explain.read(text, words), session)
        if words.accept("PREPARE"):
            prepared.prepare(text, words, session.prepared)
            return done("UTILITY")
        if words.accept("DEALLOCATE"):
            prepared.deallocate(words, session.prepared)
            return done("UTILITY")
        if words.accept("EXECUTE"):
            context.query = prepared.execute(text, words, session.prepared, session.parameters)
            if Words.of(context.query).peek() == "EXECUTE":
                raise QueryFailed(NOT_SUPPORTED, "A prepared statement cannot EXECUTE another")
            return self._dispatch(context, replace(session, parameters=()))
        if words.accept("SHOW"):
            return show.show(context, words)
        if words.accept("DESCRIBE") or words.accept("DESC"):
            return show.describe(context, words)
        if words.accept("MSCK"):
            return ddl.msck_repair(context, words)
        if words.accept("ALTER", "TABLE"):
            return ddl.alter_table(context, words)
        if words.accept("DROP"):
            return ddl.drop(context, words)
        if words.accept("CREATE"):
            if words.accept("DATABASE") or words.accept("SCHEMA"):
                return ddl.create_database(context, words)
            return self._create(context)
        if words.accept("INSERT"):
            insert = self._parse_one(text, "athena")
            if not isinstance(insert, exp.Insert):
                raise words.fail("INTO")
            return ctas.insert_into(context, insert)
        if first in ("UPDATE", "DELETE", "MERGE", "VACUUM", "OPTIMIZE"):
            raise QueryFailed(NOT_SUPPORTED, f"{first} is not supported by lakehose")
        raise words.fail(
            "'ALTER', 'CREATE', 'DEALLOCATE', 'DESCRIBE', 'DROP', 'EXECUTE', 'EXPLAIN', "
            "'INSERT', 'MSCK', 'PREPARE', 'SELECT', 'SHOW', 'UNLOAD'"
        )

    def _create(self, context: Context) -> QueryOutcome:
        create = self._parse_one(context.query, "athena")
        if not isinstance(create, exp.Create):
            raise QueryFailed(SYNTAX_ERROR, "mismatched input 'CREATE'")
        kind = str(create.args.get("kind") or "").upper()
        if kind == "VIEW":
            return ddl.create_view(context, create)
        if kind == "TABLE" and create.expression is not None:
            return ctas.create_table_as(context, create)
        if kind == "TABLE":
            return ddl.create_table(context, create)
        raise QueryFailed(NOT_SUPPORTED, f"CREATE {kind} is not supported")

    @staticmethod
    def _parse_one(text: str, dialect: str = "trino") -> exp.Expr:
        found = parse(text, dialect)
        if len(found) != 1:
            raise QueryFailed(SYNTAX_ERROR, "Only one sql statement is allowed")
        return found[0]

    def _query(self, context: Context) -> QueryOutcome:
        selected = context.select(self._parse_one(context.query), context.query, False)
        columns = [
            result_column(n, t, c)
            for n, t, c in zip(selected.names, selected.types, selected.table.columns, strict=True)
        ]
        rendered = [
            render_column(column, kind, selected.zones.get(i))
            for i, (column, kind) in enumerate(
                zip(selected.table.columns, selected.types, strict=True)
            )
        ]
        rows = [list(row) for row in zip(*rendered, strict=True)] if rendered else []
        return QueryOutcome(
            columns=columns,
            rows=rows,
            data_scanned_bytes=selected.scanned,
            statement_type="DML",
            files_opened=selected.files,
        )

    def _explain(
        self, context: Context, explained: explain.Explain, session: _Session
    ) -> QueryOutcome:
        tree = explain.query_tree(parse(explained.statement))
        if explained.kind == "IO":
            return explain.io_plan(context, tree)
        prefix = "EXPLAIN ANALYZE " if explained.analyze else "EXPLAIN "
        # Plain EXPLAIN plans without reading a file; ANALYZE runs the query.
        selected = self._select(
            context,
            tree,
            explained.statement,
            not explained.analyze,
            session.cutoff,
            session.cancel,
            prefix,
        )
        if explained.kind == "VALIDATE":
            return explain.validated()
        # DuckDB's EXPLAIN rows are (kind of plan, plan text).
        text = "\n".join(str(v) for v in selected.table.column(selected.table.num_columns - 1))
        return explain.plan(text, selected.scanned, selected.files)

    # -- running a query ---------------------------------------------------------------------

    def _select(
        self,
        context: Context,
        tree: exp.Expr,
        query: str,
        empty: bool,
        cutoff: int | None,
        cancel: threading.Event | None,
        explain_prefix: str = "",
    ) -> Selected:
        """Plan, read and run a query tree; ``empty`` plans it without reading any file;
        ``explain_prefix`` (``EXPLAIN [ANALYZE] ``) asks DuckDB for the plan instead."""
        check_query(query, tree)
        if tree.find(exp.Placeholder):
            raise QueryFailed(
                INVALID_PARAMETER_USAGE, "Incorrect number of parameters: expected 1 but found 0"
            )
        evaluators: list[duckdb.DuckDBPyConnection] = []
        planner = Planner(
            context.resolver,
            self.store,
            query,
            context.now,
            lambda: self._evaluator(evaluators),
            check_query,
            list_files=not empty,
        )
        try:
            scans = planner.plan(tree)
        finally:
            for connection in evaluators:
                connection.close()
        sql = explain_prefix + to_duckdb(translate(tree, context.now))
        paths = [
            f.info.path for scan in scans if scan.table.format == "parquet" for f, _ in scan.files
        ]
        connection = connect(self.scratch_dir, paths, self.limits, sql)
        watchdog = Watchdog(connection, self.limits, cancel)
        # The meter stops reading files once the watchdog stops the query, whatever the reason.
        meter = Meter(cutoff, watchdog.stop)
        try:
            with watchdog:
                for scan in scans:
                    register(connection, scan, self.store, meter)
                meter.check_cancel()
                relation = connection.sql(sql)
                names, types = list(relation.columns), list(relation.types)
                table: pa.Table = relation.to_arrow_table()
        except (duckdb.Error, QueryCancelled, MemoryError) as error:
            failure = watchdog.failure(error)
            if failure is None and isinstance(error, QueryCancelled):
                raise  # the scan cutoff, or a stop while files were read
            if failure is None:
                failure = map_error(error, query, tree)
            failure.data_scanned_bytes = meter.scanned
            raise failure from None
        finally:
            connection.close()
        zones: dict[int, list[str | None]] = {}
        for position in reversed(range(len(names))):
            if names[position].startswith(ZONE_COLUMN):
                zones[int(names[position][len(ZONE_COLUMN) :])] = table.column(position).to_pylist()
                table = table.remove_column(position)
                del names[position], types[position]
        if not explain_prefix:
            names = final_names(names, tree)
        return Selected(names, types, table, meter.scanned, meter.files, zones)

    def _evaluator(self, opened: list[duckdb.DuckDBPyConnection]) -> Evaluator:
        connection = connect(self.scratch_dir, [], self.limits.single_threaded())
        opened.append(connection)

        def evaluate(values: pa.Table, sql: str) -> list[int]:
            connection.register("__lh_partitions", values)
            try:
                return [int(row[0]) for row in connection.sql(sql).fetchall()]
            finally:
                connection.unregister("__lh_partitions")

        return evaluate


@dataclass(frozen=True)
class _Session:
    """What one ``execute`` call carries besides its context."""

    prepared: PreparedStatements | None
    parameters: Sequence[str]  # EXECUTE's, when given as ExecutionParameters
    cutoff: int | None
    cancel: threading.Event | None


def _unquoted(database: str | None) -> str | None:
    """A session database given as Hive quotes names (`` `db` ``), unquoted."""
    if database and len(database) > 1 and database[0] == database[-1] == "`":
        return database[1:-1]
    return database
