"""The Athena engine: workgroups, named queries and query executions over the SQL engine.

The operations are grouped by noun in mixins (``workgroups``, ``tags``, ``named_queries``,
``executions``, ``results``, ``catalogs``); ``runner`` runs queries on a worker pool; this class
adds the life cycle. The SQL itself is ``sql.SqlEngine``'s, reading tables through the catalog
and object store ports that ``runtime.py`` supplies (Glue and S3).

Options (``Lakehose(options={"athena.<name>": value})``):

``max_concurrent_queries`` (4)
    Worker threads, i.e. how many queries run at once; the rest wait QUEUED.
``memory_limit`` ("1GB"), ``threads`` (2), ``query_timeout_seconds`` (300),
``max_temp_directory_size`` ("10GB")
    What each query may take (``sql.sandbox.Limits``); a query past its memory fails with
    "Query exhausted resources at this scale factor", one past its time with "Query timeout".
    ``LAKEHOSE_ATHENA_MEMORY_LIMIT``, ``LAKEHOSE_ATHENA_THREADS`` and
    ``LAKEHOSE_ATHENA_QUERY_TIMEOUT`` set the first three.
"""

from __future__ import annotations

from lakehose.services.athena.catalogs import CatalogOperations
from lakehose.services.athena.named_queries import NamedQueryOperations
from lakehose.services.athena.ports import CatalogPort, ObjectStorePort
from lakehose.services.athena.results import ResultSets
from lakehose.services.athena.runner import QueryEngine, QueryRunner
from lakehose.services.athena.tags import TagOperations
from lakehose.services.athena.workgroups import WorkGroupOperations
from lakehose.services.engine import EngineEnvironment


class AthenaEngine(
    WorkGroupOperations, TagOperations, NamedQueryOperations, CatalogOperations, QueryRunner
):
    """Amazon Athena on a SQLite database and a worker pool in the engine's directory."""

    def __init__(
        self,
        environment: EngineEnvironment,
        *,
        catalog: CatalogPort,
        objects: ObjectStorePort,
        sql: QueryEngine | None = None,
    ) -> None:
        super().__init__(environment)
        self.catalog = catalog
        self.object_store = objects
        # Tests pass a stand-in; otherwise the SQL engine is made at start() over the ports.
        self._given_sql = sql

    def start(self) -> None:
        directory = self.environment.directory
        super().start()
        self._result_sets = ResultSets(directory / "results")
        self._ensure_primary()
        self._start_workers(self._make_sql, self.object_store)

    def _make_sql(self) -> QueryEngine:
        if self._given_sql is not None:
            return self._given_sql
        from lakehose.services.athena.sql import SqlEngine
        from lakehose.services.athena.sql.sandbox import Limits

        return SqlEngine(
            self.catalog,
            self.object_store,
            scratch_dir=self.environment.directory / "scratch",
            region=self.region,
            account_id=self.account_id,
            clock=self.clock,
            limits=Limits.from_options(self.environment.option),
        )

    def flush(self) -> None:
        """Wait for every submitted query to finish."""
        self._wait_idle()

    def close(self) -> None:
        self._stop_workers()
        self._close_sql()
        super().close()
