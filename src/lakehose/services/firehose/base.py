"""What every part of the Firehose engine shares: storage, the clock, the ports and lookups.

The API lives in mixins by noun (``streams`` for the delivery streams' life cycle and tags,
``direct_put`` for PutRecord and PutRecordBatch) that ``engine.FirehoseEngine`` combines; each
derives from ``FirehoseBase`` for these helpers. The pipeline (``source``, ``processing``,
``delivery``) works on the same database through the engine.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import ClassVar

from lakehose.arns import build_arn
from lakehose.services.engine import EngineEnvironment, SqliteEngine
from lakehose.services.firehose import config, store
from lakehose.services.firehose.errors import ResourceNotFoundException
from lakehose.services.firehose.ports import (
    CatalogPort,
    LambdaPort,
    ObjectSinkPort,
    StreamSourcePort,
)
from lakehose.services.firehose.store import StreamRow
from lakehose.storage import Migration


class FirehoseBase(SqliteEngine):
    """Shared state and helpers of the Firehose operation mixins and the pipeline."""

    service_name: ClassVar[str] = "firehose"
    database_file: ClassVar[str] = "firehose.db"
    migrations: ClassVar[Sequence[Migration]] = store.MIGRATIONS

    def __init__(
        self,
        environment: EngineEnvironment,
        *,
        source: StreamSourcePort | None = None,
        sink: ObjectSinkPort | None = None,
        lambdas: LambdaPort | None = None,
        catalog: CatalogPort | None = None,
    ) -> None:
        super().__init__(environment)
        self.source = source
        self.sink = sink
        self.lambdas = lambdas
        self.catalog = catalog
        # AWS takes seconds to activate a stream; 0 makes it ACTIVE at once, as tests want.
        self.creation_delay_ms = int(
            float(environment.option("firehose.creation_delay_seconds")) * 1000
        )
        self._parsed: dict[tuple[int, int], config.Destination] = {}
        self._parsed_lock = threading.Lock()
        # One pipeline pass at a time: the worker's tick and an admin flush never interleave.
        self._pump = threading.Lock()

    def _now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def _stream_arn(self, name: str) -> str:
        return build_arn("firehose", self.region, self.account_id, f"deliverystream/{name}")

    def _locate(self, connection: sqlite3.Connection, name: str) -> StreamRow:
        """The named delivery stream, or AWS's ``ResourceNotFoundException``."""
        stream = store.find_stream(connection, name)
        if stream is None:
            raise ResourceNotFoundException.stream(name, self.account_id)
        return stream

    def _destination(self, stream: StreamRow) -> config.Destination:
        """The stream's parsed destination, cached per configuration version."""
        key = (stream.id, stream.version)
        with self._parsed_lock:
            parsed = self._parsed.get(key)
            if parsed is None:
                parsed = config.parse(stream.destination)
                self._parsed = {k: v for k, v in self._parsed.items() if k[0] != stream.id}
                self._parsed[key] = parsed
            return parsed


def timestamp(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
