"""What every group of DynamoDB operations shares: storage, options, lookups and the write path.

The operations live in mixins by noun (``table_operations``, ``items``, ``batch``, ``reads``,
``transactions``, ``ttl``, ``streaming``, ``tags``) that ``engine.DynamoDBEngine`` combines;
each derives from ``DynamoDBBase`` for these helpers.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from typing import ClassVar

from lakehose.arns import InvalidArn, build_arn, parse_arn
from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.changes import ChangeContext
from lakehose.services.dynamodb.errors import ResourceNotFoundException, ValidationException
from lakehose.services.dynamodb.outbox import Outbox
from lakehose.services.dynamodb.ports import ChangeStreamSink, ExportObjectSink
from lakehose.services.dynamodb.store import StoredTable
from lakehose.services.engine import EngineEnvironment, SqliteEngine
from lakehose.storage import Migration

_TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]{3,255}")
INVALID_NAME = (
    "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, "
    "and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'"
)


class DynamoDBBase(SqliteEngine):
    """Shared state and helpers of the DynamoDB operation mixins."""

    service_name: ClassVar[str] = "dynamodb"
    database_file: ClassVar[str] = "dynamodb.db"
    migrations: ClassVar[Sequence[Migration]] = store.MIGRATIONS

    def __init__(
        self,
        environment: EngineEnvironment,
        sink: ChangeStreamSink | None = None,
        exports: ExportObjectSink | None = None,
    ) -> None:
        super().__init__(environment)
        self.exports = exports
        # How long a Kinesis destination stays ENABLING, DISABLING or UPDATING by the clock
        # (AWS: seconds to minutes; 0 settles it at once, which is what local tests want).
        self.destination_delay_ms = int(
            float(environment.option("dynamodb.destination_transition_seconds")) * 1000
        )
        self.sink = sink
        self.outbox = Outbox(lambda: self.db, sink)

    def _now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    # -- tables -------------------------------------------------------------------------------

    def _table_arn(self, name: str) -> str:
        return build_arn("dynamodb", self.region, self.account_id, f"table/{name}")

    def _table_name(self, given: str) -> str:
        """The table a ``TableName`` member names: a plain name or the table's ARN."""
        if given.startswith("arn:"):
            try:
                arn = parse_arn(given)
            except InvalidArn:
                raise ValidationException(INVALID_NAME) from None
            if arn.service != "dynamodb" or arn.resource_type != "table":
                raise ValidationException(INVALID_NAME)
            if arn.region != self.region or arn.account_id != self.account_id:
                raise ResourceNotFoundException()
            given = arn.resource_id.split("/", 1)[0]
        if not _TABLE_NAME.fullmatch(given):
            raise ValidationException(INVALID_NAME)
        return given

    def _item_table(self, connection: sqlite3.Connection, given: str) -> StoredTable:
        """The table of an item operation; a miss is AWS's bare "Requested resource not found"."""
        table = store.find_table(connection, self._table_name(given))
        if table is None:
            raise ResourceNotFoundException()
        return table

    def _control_table(self, connection: sqlite3.Connection, given: str) -> StoredTable:
        """The table of a control-plane operation; a miss names the table."""
        name = self._table_name(given)
        table = store.find_table(connection, name)
        if table is None:
            raise ResourceNotFoundException.table(name)
        return table

    # -- the write path -----------------------------------------------------------------------

    def _change_context(self) -> ChangeContext:
        return ChangeContext(self.region, self.clock.now(), self.ids.uuid4)

    def _committed(self, context: ChangeContext) -> None:
        """After a write's commit: carry its change records to the stream before answering."""
        if context.records:
            self._deliver_now()

    def _deliver_now(self) -> None:
        """Carry what was just committed to the outbox to its streams before answering."""
        self.outbox.notify()
        self.outbox.deliver(wait=True)
