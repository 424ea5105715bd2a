"""ExecuteStatement and BatchExecuteStatement.

A SELECT reads as a Query or a Scan (``selects``); INSERT, UPDATE and DELETE write as PutItem,
UpdateItem and DeleteItem (``modifications``), committing the item change and its change record
together and carrying the record to the stream before answering, as every write does.

BatchExecuteStatement runs each statement on its own: a statement's failure becomes its entry's
``Error`` (code without the ``Exception`` suffix) and the others still run. Its reads are GetItems,
so each must name a whole primary key and nothing else; reads and writes cannot be mixed.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from lakehose.errors import ServiceError
from lakehose.services.dynamodb import writes
from lakehose.services.dynamodb.attributes import item_size
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.capacity import Consumed, read_units, report_all, write_units
from lakehose.services.dynamodb.codec import Item
from lakehose.services.dynamodb.errors import ValidationException
from lakehose.services.dynamodb.expressions import Condition
from lakehose.services.dynamodb.items import returned_attributes
from lakehose.services.dynamodb.partiql.conditions import exact_key, where_condition
from lakehose.services.dynamodb.partiql.modifications import Modification, plan, prepare
from lakehose.services.dynamodb.partiql.parser import parse_statement
from lakehose.services.dynamodb.partiql.selects import (
    plan_select,
    project,
    read_select,
    statement_digest,
)
from lakehose.services.dynamodb.partiql.syntax import Exists, Select, Statement, is_read
from lakehose.services.dynamodb.store import StoredTable

EXISTS_OUTSIDE_TRANSACTION = "EXISTS can only be used in ExecuteTransaction write requests."
BATCH_KEY = (
    "Select statements within BatchExecuteStatement must specify the primary key in the where "
    "clause."
)
MIXED = "Unsupported operation in transaction."


def error_code(error: ServiceError) -> str:
    """A batch entry's or cancellation reason's code (``BatchStatementErrorCodeEnum``)."""
    code = error.error_code.removesuffix("Exception")
    return "ValidationError" if code == "Validation" else code


def key_read_condition(select: Select) -> Condition:
    return where_condition(select.where) if select.where is not None else Condition(None)


class PartiQLOperations(DynamoDBBase):
    def execute_statement(
        self,
        *,
        statement: str,
        parameters: list[dict[str, Any]] | None = None,
        consistent_read: bool | None = None,
        next_token: str | None = None,
        return_consumed_capacity: str | None = None,
        limit: int | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> dict[str, Any]:
        parsed = parse_statement(statement, parameters)
        if isinstance(parsed, Exists):
            raise ValidationException(EXISTS_OUTSIDE_TRANSACTION)
        if isinstance(parsed, Select):
            consistent = bool(consistent_read)
            with self.db.read() as connection:
                table = self._item_table(connection, parsed.table)
                chosen = plan_select(table, parsed, consistent)
                items, consumed, token, last_key = read_select(
                    connection,
                    chosen,
                    limit=limit,
                    next_token=next_token,
                    digest=statement_digest(statement, parameters),
                    consistent=consistent,
                )
            result: dict[str, Any] = {"Items": items}
            if token is not None:
                result["NextToken"] = token
                result["LastEvaluatedKey"] = last_key
        else:
            returned, consumed = self._write_statement(
                parsed, return_values_on_condition_check_failure
            )
            result = {"Items": returned}
        if (report := consumed.report(return_consumed_capacity)) is not None:
            result["ConsumedCapacity"] = report
        return result

    def batch_execute_statement(
        self, *, statements: list[dict[str, Any]], return_consumed_capacity: str | None = None
    ) -> dict[str, Any]:
        parsed: list[Statement | ValidationException] = []
        for entry in statements:
            try:
                parsed.append(parse_statement(entry["Statement"], entry.get("Parameters")))
            except ValidationException as invalid:
                parsed.append(invalid)
        if len({is_read(one) for one in parsed if not isinstance(one, ServiceError)}) > 1:
            raise ValidationException(MIXED)
        consumed: list[Consumed] = []
        responses = [
            self._batch_entry(entry, one, consumed)
            for entry, one in zip(statements, parsed, strict=True)
        ]
        result: dict[str, Any] = {"Responses": responses}
        if (report := report_all(consumed, return_consumed_capacity)) is not None:
            result["ConsumedCapacity"] = report
        return result

    # -- helpers ------------------------------------------------------------------------------

    def _write_statement(
        self, statement: Statement, return_on_failure: str | None
    ) -> tuple[list[Item], Consumed]:
        """Run one INSERT, UPDATE or DELETE; the items its RETURNING clause asks for."""
        assert not isinstance(statement, Select | Exists)
        context = self._change_context()
        with self.db.transaction() as connection:
            table = self._item_table(connection, statement.table)
            modification = prepare(statement, table)
            planned = plan(connection, modification, return_on_failure)
            written = (
                writes.commit(connection, table, planned, context) if planned is not None else None
            )
        self._committed(context)
        if written is None:
            consumed = Consumed(table.meta.name)
            consumed.table = write_units(0)
            return [], consumed
        attributes = _returning(modification, written)
        return ([attributes] if attributes else []), written.consumed

    def _batch_entry(
        self,
        entry: dict[str, Any],
        statement: Statement | ValidationException,
        consumed: list[Consumed],
    ) -> dict[str, Any]:
        if isinstance(statement, ValidationException):
            return {"Error": {"Code": "ValidationError", "Message": statement.message}}
        if isinstance(statement, Exists):
            return {"Error": {"Code": "ValidationError", "Message": EXISTS_OUTSIDE_TRANSACTION}}
        table_name: str | None = None
        try:
            if isinstance(statement, Select):
                with self.db.read() as connection:
                    table = self._item_table(connection, statement.table)
                    table_name = table.meta.name
                    found = _batch_read(connection, table, statement, entry, consumed)
                response: dict[str, Any] = {"TableName": table_name}
                if found is not None:
                    response["Item"] = found
                return response
            with self.db.read() as connection:
                table_name = self._item_table(connection, statement.table).meta.name
            _items, cost = self._write_statement(
                statement, entry.get("ReturnValuesOnConditionCheckFailure")
            )
            consumed.append(cost)
            return {"TableName": table_name}
        except ServiceError as failure:
            error: dict[str, Any] = {"Code": error_code(failure), "Message": failure.message}
            if "Item" in failure.fields:
                error["Item"] = failure.fields["Item"]
            response = {"Error": error}
            if table_name is not None:
                response["TableName"] = table_name
            return response


def _batch_read(
    connection: sqlite3.Connection,
    table: StoredTable,
    statement: Select,
    entry: dict[str, Any],
    consumed: list[Consumed],
) -> Item | None:
    """One batch SELECT: a GetItem of the key its WHERE clause names."""
    key = exact_key(key_read_condition(statement), table.meta.schema)
    if statement.index is not None or key is None:
        raise ValidationException(BATCH_KEY)
    table.meta.schema.check_key(key)
    found = writes.current(connection, table, key)
    cost = Consumed(table.meta.name)
    cost.table = read_units(item_size(found) if found else 0, bool(entry.get("ConsistentRead")))
    consumed.append(cost)
    return project(found, statement.projection) if found is not None else None


def _returning(modification: Modification, written: writes.Written) -> Item | None:
    """What an UPDATE's or DELETE's RETURNING clause returns."""
    if modification.returning is None:
        return None
    return returned_attributes(modification.returning, written, modification.plan)
