"""A stand-in for the SQL engine, so that the query life cycle can be driven step by step."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from typing import Any

from lakehose import Lakehose
from lakehose.runtime import EngineBuilder
from lakehose.services.athena.engine import AthenaEngine
from lakehose.services.athena.sql import QueryCancelled, QueryOutcome, ResultColumn
from lakehose.services.athena.sql.errors import USER_CANCELED
from lakehose.services.engine import Engine, EngineEnvironment
from lakehose.wiring.athena import GlueCatalog, S3Store


class StandInSql:
    """Answers every statement with ``answer`` once ``release`` is set; records its calls."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.answer: QueryOutcome | Exception = QueryOutcome(
            [ResultColumn("a", "varchar", 2147483647)], [["x"]], 10, "DML"
        )

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
        prepared_statements: object = None,
    ) -> QueryOutcome:
        self.calls.append(
            {
                "query": query,
                "database": database,
                "catalog": catalog,
                "parameters": list(parameters),
                "output_location": output_location,
                "bytes_scanned_cutoff": bytes_scanned_cutoff,
                "cancel": cancel,
                "query_execution_id": query_execution_id,
            }
        )
        self.entered.set()
        while not self.release.wait(0.005):
            if cancel is not None and cancel.is_set():
                raise QueryCancelled(USER_CANCELED, "Query cancelled by user", bare=True)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def close(self) -> None:
        pass


def stand_in(sql: StandInSql, workers: int = 1) -> EngineBuilder:
    """An Athena engine builder over the stand-in ``sql`` with ``workers`` threads, for
    ``Lakehose(builders={"athena": ...})``."""

    def build(lake: Lakehose, environment: EngineEnvironment) -> Engine:
        options = {"max_concurrent_queries": workers}
        return AthenaEngine(
            dataclasses.replace(environment, options=options),
            catalog=GlueCatalog(lake),
            objects=S3Store(lake),
            sql=sql,
        )

    return build
