"""ExecuteTransaction: PartiQL statements as one TransactGetItems or TransactWriteItems.

A transaction is all reads (each a GetItem of one whole primary key, on a table, never an index)
or all writes (INSERT, UPDATE, DELETE and ``EXISTS(SELECT ...)`` condition checks, which name one
item and at least one more condition). Checks run in AWS's order:

1. every statement's parameters, reported bare;
2. every statement's syntax and static rules, reported as
   ``Validation failed in TransactStatements[i]: ...``;
3. in one SQLite transaction, each statement against its table and item; any failure cancels all
   of them with ``TransactionCanceledException``, one reason per statement in order
   (``None`` for those that would have succeeded).

A ``ClientRequestToken`` makes a repeated write transaction within ten minutes succeed without
writing again, as TransactWriteItems does.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from lakehose.errors import ServiceError
from lakehose.services.dynamodb import store, writes
from lakehose.services.dynamodb.attributes import item_size, validate_value
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.capacity import Consumed, read_units, report_all
from lakehose.services.dynamodb.codec import Item
from lakehose.services.dynamodb.errors import (
    ResourceNotFoundException,
    TransactionCanceledException,
    ValidationException,
)
from lakehose.services.dynamodb.expressions import Condition
from lakehose.services.dynamodb.keys import canonical_key
from lakehose.services.dynamodb.partiql.conditions import (
    INCOMPLETE_KEY,
    conjuncts,
    exact_key,
    item_key,
    where_condition,
)
from lakehose.services.dynamodb.partiql.modifications import Modification, plan, prepare
from lakehose.services.dynamodb.partiql.operations import MIXED, error_code, key_read_condition
from lakehose.services.dynamodb.partiql.parser import parse_statement
from lakehose.services.dynamodb.partiql.selects import project
from lakehose.services.dynamodb.partiql.syntax import Delete, Exists, Select, Statement, Update
from lakehose.services.dynamodb.transactions import (
    MULTIPLE_OPERATIONS,
    commit_all,
    remember,
    replayed,
    request_fingerprint,
)

READ_KEY = (
    "Select statements within ExecuteTransaction must specify the primary key in the where clause."
)
MISMATCH = "The provided key element does not match the schema"


EXISTS_SHAPE = "EXISTS() must contain a single item read with additional condition"


class _StatementInvalid(Exception):
    """A statement broke a rule that refuses the whole request, not just cancels it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _failed(index: int, message: str) -> ValidationException:
    return ValidationException(f"Validation failed in TransactStatements[{index}]: {message}")


@dataclass(frozen=True)
class _Check:
    """An ``EXISTS`` condition check: the item it reads and the condition it must meet."""

    table: store.StoredTable
    key: Item
    condition: Condition


class PartiQLTransactions(DynamoDBBase):
    def execute_transaction(
        self,
        *,
        transact_statements: list[dict[str, Any]],
        client_request_token: str | None = None,
        return_consumed_capacity: str | None = None,
    ) -> dict[str, Any]:
        for entry in transact_statements:
            for value in entry.get("Parameters") or []:
                validate_value(value)
        statements: list[Statement] = []
        for index, entry in enumerate(transact_statements):
            try:
                parsed = parse_statement(entry["Statement"], entry.get("Parameters"))
                statements.append(_checked(parsed))
            except ValidationException as invalid:
                raise _failed(index, invalid.message) from None
        if len({isinstance(statement, Select) for statement in statements}) > 1:
            raise ValidationException(MIXED)
        if isinstance(statements[0], Select):
            return self._read_transaction(statements, return_consumed_capacity)
        return self._write_transaction(
            transact_statements, statements, client_request_token, return_consumed_capacity
        )

    def _read_transaction(
        self, statements: list[Statement], capacity: str | None
    ) -> dict[str, Any]:
        responses: list[dict[str, Any]] = []
        consumed: list[Consumed] = []
        reasons: list[dict[str, Any]] = []
        seen: set[tuple[str, bytes]] = set()
        with self.db.read() as connection:
            for index, statement in enumerate(statements):
                assert isinstance(statement, Select)
                try:
                    table = self._item_table(connection, statement.table)
                except ResourceNotFoundException as missing:
                    reasons.append({"Code": error_code(missing), "Message": missing.message})
                    responses.append({})
                    continue
                key = exact_key(key_read_condition(statement), table.meta.schema)
                if key is None:
                    raise _failed(index, READ_KEY)
                try:
                    table.meta.schema.check_key(key)
                except ValidationException as invalid:
                    reasons.append({"Code": "ValidationError", "Message": invalid.message})
                    responses.append({})
                    continue
                identity = (table.meta.name, canonical_key(table.meta.schema, key))
                if identity in seen:
                    raise ValidationException(MULTIPLE_OPERATIONS)
                seen.add(identity)
                found = writes.current(connection, table, key)
                cost = Consumed(table.meta.name)
                cost.table = 2 * read_units(item_size(found) if found else 0, True)
                consumed.append(cost)
                reasons.append({"Code": "None"})
                responses.append(
                    {"Item": project(found, statement.projection)} if found is not None else {}
                )
        if any(reason["Code"] != "None" for reason in reasons):
            raise TransactionCanceledException(reasons)
        result: dict[str, Any] = {"Responses": responses}
        if (report := report_all(consumed, capacity)) is not None:
            result["ConsumedCapacity"] = report
        return result

    def _write_transaction(
        self,
        entries: list[dict[str, Any]],
        statements: list[Statement],
        token: str | None,
        capacity: str | None,
    ) -> dict[str, Any]:
        digest = request_fingerprint(entries)
        now_ms = self._now_ms()
        context = self._change_context()
        with self.db.transaction() as connection:
            if replayed(connection, token, digest, now_ms):
                return {"Responses": []}
            plans = self._plan_writes(connection, entries, statements)
            consumed = commit_all(connection, plans, context)
            remember(connection, token, digest, now_ms)
        self._committed(context)
        result: dict[str, Any] = {"Responses": []}
        if (report := report_all(consumed, capacity)) is not None:
            result["ConsumedCapacity"] = report
        return result

    def _plan_writes(
        self,
        connection: sqlite3.Connection,
        entries: list[dict[str, Any]],
        statements: list[Statement],
    ) -> list[tuple[store.StoredTable, writes.Planned | None]]:
        """Plan every statement; cancel with every statement's reason if any fails."""
        prepared: list[Modification | _Check | ServiceError] = []
        seen: set[tuple[str, bytes]] = set()
        for index, statement in enumerate(statements):
            try:
                one = self._prepare_write(connection, statement)
            except _StatementInvalid as invalid:
                raise _failed(index, invalid.message) from None
            except ServiceError as failure:
                prepared.append(failure)
                continue
            identity = (one.table.meta.name, canonical_key(one.table.meta.schema, one.key))
            if identity in seen:
                raise ValidationException(MULTIPLE_OPERATIONS)
            seen.add(identity)
            prepared.append(one)
        plans: list[tuple[store.StoredTable, writes.Planned | None]] = []
        reasons: list[dict[str, Any]] = []
        for entry, prepared_one in zip(entries, prepared, strict=True):
            on_failure = entry.get("ReturnValuesOnConditionCheckFailure")
            try:
                if isinstance(prepared_one, ServiceError):
                    raise prepared_one
                one = prepared_one
                if isinstance(one, _Check):
                    writes.require(
                        one.condition, writes.current(connection, one.table, one.key), on_failure
                    )
                    plans.append((one.table, None))
                else:
                    planned = plan(connection, one, on_failure)
                    plans.append((one.table, planned))
            except ServiceError as failure:
                reason = {"Code": error_code(failure), "Message": failure.message}
                reasons.append({**reason, **failure.fields})
                continue
            reasons.append({"Code": "None"})
        if any(reason["Code"] != "None" for reason in reasons):
            raise TransactionCanceledException(reasons)
        return [(table, planned) for table, planned in plans]

    def _prepare_write(
        self, connection: sqlite3.Connection, statement: Statement
    ) -> Modification | _Check:
        assert not isinstance(statement, Select)
        table_name = statement.select.table if isinstance(statement, Exists) else statement.table
        table = self._item_table(connection, table_name)
        try:
            if isinstance(statement, Exists):
                assert statement.select.where is not None
                condition = where_condition(statement.select.where)
                try:
                    key = item_key(condition, table.meta.schema, first_wins=True)
                except ValidationException:
                    raise _StatementInvalid(EXISTS_SHAPE) from None
                table.meta.schema.check_key(key)
                return _Check(table, key, condition)
            return prepare(statement, table)
        except ValidationException as invalid:
            if invalid.message == INCOMPLETE_KEY or invalid.message.startswith(
                "Multiple conditions on same key"
            ):
                raise ValidationException(MISMATCH) from None
            raise


def _checked(statement: Statement) -> Statement:
    """A transaction's static rules for one statement."""
    if isinstance(statement, Update | Delete) and statement.returning is not None:
        raise ValidationException("RETURNING clause is not supported in ExecuteTransaction.")
    if isinstance(statement, Select) and statement.index is not None:
        raise ValidationException("Reads on indices are not supported within transactions.")
    if isinstance(statement, Exists):
        select = statement.select
        if select.index is not None:
            raise ValidationException("Operations on indices are not supported in transactions")
        root = where_condition(select.where).root if select.where is not None else None
        if root is None or len(conjuncts(root)) < 2:
            raise ValidationException(EXISTS_SHAPE)
    return statement
