"""The DynamoDB engine: durable tables with AWS's semantics and a Kinesis change stream.

The operations are grouped by noun in mixins; this class adds the life cycle: opening the
database, the clock-driven work (TTL expiry, retrying change records the stream could not take
yet, forgetting old transaction tokens), flushing and closing.

Options (``Lakehose(options={"dynamodb.<name>": value})``):

``destination_transition_seconds`` (0)
    How long a Kinesis streaming destination stays ENABLING, DISABLING or UPDATING.
"""

from __future__ import annotations

from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.account import AccountOperations
from lakehose.services.dynamodb.backups import BackupOperations
from lakehose.services.dynamodb.batch import BatchOperations
from lakehose.services.dynamodb.exports import ExportOperations
from lakehose.services.dynamodb.items import ItemOperations
from lakehose.services.dynamodb.partiql import PartiQLOperations, PartiQLTransactions
from lakehose.services.dynamodb.query import QueryOperations
from lakehose.services.dynamodb.scan import ScanOperations
from lakehose.services.dynamodb.streaming import StreamingOperations
from lakehose.services.dynamodb.table_operations import TableOperations
from lakehose.services.dynamodb.table_updates import TableUpdates
from lakehose.services.dynamodb.tags import TagOperations
from lakehose.services.dynamodb.transactions import TOKEN_WINDOW_MS, TransactionOperations
from lakehose.services.dynamodb.ttl import TimeToLiveOperations

# Expired ClientRequestTokens are forgotten at most this often (lookups ignore them anyway).
TOKEN_SWEEP_MS = 60_000


class DynamoDBEngine(
    TableOperations,
    TableUpdates,
    TagOperations,
    TimeToLiveOperations,
    ItemOperations,
    BatchOperations,
    QueryOperations,
    ScanOperations,
    TransactionOperations,
    PartiQLOperations,
    PartiQLTransactions,
    ExportOperations,
    StreamingOperations,
    BackupOperations,
    AccountOperations,
):
    """Amazon DynamoDB on a SQLite database in the engine's directory."""

    def start(self) -> None:
        super().start()
        # Records a previous run committed but did not deliver go out first (after recovery).
        self.outbox.notify()
        self._interrupted_exports()

    _tokens_swept_ms = 0

    def run_due(self) -> None:
        self._expire_items()
        self.outbox.deliver()
        now = self._now_ms()
        if now - self._tokens_swept_ms >= TOKEN_SWEEP_MS:
            self._tokens_swept_ms = now
            with self.db.transaction() as connection:
                store.forget_tokens(connection, now - TOKEN_WINDOW_MS)

    def flush(self) -> None:
        self.outbox.notify()
        self.outbox.deliver()
