"""TransactWriteItems and TransactGetItems: all or nothing, in one SQLite transaction.

Every action is planned (its condition checked and its new item computed) before any is
committed; if any fails, nothing is written and ``TransactionCanceledException`` lists one reason
per action, in request order: ``None`` for actions that would have succeeded,
``ConditionalCheckFailed`` (with the item when asked) or ``ValidationError``. A
``ClientRequestToken`` makes a repeated request within ten minutes succeed without writing (or
emitting change records) again; reusing it for different parameters is refused.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from lakehose.services.dynamodb import store, writes
from lakehose.services.dynamodb.attributes import item_size, validate_item
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.capacity import Consumed, read_units, report_all
from lakehose.services.dynamodb.changes import ChangeContext
from lakehose.services.dynamodb.codec import Item
from lakehose.services.dynamodb.errors import (
    ConditionalCheckFailedException,
    IdempotentParameterMismatchException,
    TransactionCanceledException,
    ValidationException,
)
from lakehose.services.dynamodb.keys import canonical_key
from lakehose.services.dynamodb.requests import Parsed, Request, parse_request
from lakehose.services.dynamodb.store import StoredTable

TOKEN_WINDOW_MS = 10 * 60 * 1000
MULTIPLE_OPERATIONS = "Transaction request cannot include multiple operations on one item"
_KINDS = ("ConditionCheck", "Put", "Delete", "Update")


@dataclass(frozen=True)
class _Action:
    kind: str
    body: dict[str, Any]
    parsed: Parsed
    item: Item  # the item (Put) or key (others)


class TransactionOperations(DynamoDBBase):
    def transact_write_items(
        self,
        *,
        transact_items: list[dict[str, Any]],
        return_consumed_capacity: str | None = None,
        return_item_collection_metrics: str | None = None,
        client_request_token: str | None = None,
    ) -> dict[str, Any]:
        actions = [_action(entry) for entry in transact_items]
        fingerprint = request_fingerprint(transact_items)
        now_ms = self._now_ms()
        with self.db.transaction() as connection:
            if replayed(connection, client_request_token, fingerprint, now_ms):
                return {}
            tables = {
                action.body["TableName"]: self._item_table(connection, action.body["TableName"])
                for action in actions
            }
            targets = [tables[action.body["TableName"]] for action in actions]
            _check_distinct(actions, targets)
            plans = _plan_all(connection, actions, targets)
            context = self._change_context()
            consumed = commit_all(connection, zip(targets, plans, strict=True), context)
            remember(connection, client_request_token, fingerprint, now_ms)
        self._committed(context)
        result: dict[str, Any] = {}
        if (report := report_all(consumed, return_consumed_capacity)) is not None:
            result["ConsumedCapacity"] = report
        if return_item_collection_metrics == "SIZE":
            result["ItemCollectionMetrics"] = {}
        return result

    def transact_get_items(
        self, *, transact_items: list[dict[str, Any]], return_consumed_capacity: str | None = None
    ) -> dict[str, Any]:
        gets = []
        for entry in transact_items:
            body = entry["Get"]
            parsed = parse_request(
                Request(
                    projection_expression=body.get("ProjectionExpression"),
                    names=body.get("ExpressionAttributeNames"),
                ),
                ["ProjectionExpression"],
                [],
            )
            validate_item(body["Key"])
            gets.append((body, parsed))
        responses: list[dict[str, Any]] = []
        consumed: list[Consumed] = []
        with self.db.read() as connection:
            seen: set[tuple[str, bytes]] = set()
            for body, parsed in gets:
                table = self._item_table(connection, body["TableName"])
                table.meta.schema.check_key(body["Key"])
                identity = (table.meta.name, canonical_key(table.meta.schema, body["Key"]))
                if identity in seen:
                    raise ValidationException(MULTIPLE_OPERATIONS)
                seen.add(identity)
                found = writes.current(connection, table, body["Key"])
                cost = Consumed(table.meta.name)
                cost.table = 2 * read_units(item_size(found) if found else 0, True)
                consumed.append(cost)
                if found is None:
                    responses.append({})
                else:
                    item = parsed.projection.apply(found) if parsed.projection else found
                    responses.append({"Item": item})
        result: dict[str, Any] = {"Responses": responses}
        if (report := report_all(consumed, return_consumed_capacity)) is not None:
            result["ConsumedCapacity"] = report
        return result


def replayed(
    connection: sqlite3.Connection, token: str | None, fingerprint: bytes, now_ms: int
) -> bool:
    """Whether ``token`` already carried this very request within the window, so that it must
    succeed without writing again; a token that carried other parameters is refused."""
    if token is None:
        return False
    seen = store.token_fingerprint(connection, token, now_ms - TOKEN_WINDOW_MS)
    if seen is not None and seen != fingerprint:
        raise IdempotentParameterMismatchException()
    return seen is not None


def remember(
    connection: sqlite3.Connection, token: str | None, fingerprint: bytes, now_ms: int
) -> None:
    """Keep ``token`` for the idempotency window, forgetting those past it."""
    if token is not None:
        store.forget_tokens(connection, now_ms - TOKEN_WINDOW_MS)
        store.remember_token(connection, token, fingerprint, now_ms)


def commit_all(
    connection: sqlite3.Connection,
    plans: Iterable[tuple[StoredTable, writes.Planned | None]],
    context: ChangeContext,
) -> list[Consumed]:
    """Commit a transaction's planned writes; their cost (``None``: a condition check).

    Transactions cost double; a condition check writes nothing but is charged as a read.
    """
    consumed: list[Consumed] = []
    for table, plan in plans:
        cost = Consumed(table.meta.name)
        if plan is None:
            cost.table = 2 * read_units(0, True)
        else:
            cost.merge(writes.commit(connection, table, plan, context).consumed, 2.0)
        consumed.append(cost)
    return consumed


def _action(entry: dict[str, Any]) -> _Action:
    """One TransactItems entry, with its request-level checks (no table needed)."""
    kinds = [kind for kind in _KINDS if entry.get(kind) is not None]
    if len(kinds) != 1:
        raise ValidationException(
            "TransactItems can only contain one of Check, Put, Update or Delete"
        )
    kind = kinds[0]
    body = entry[kind]
    parsed = parse_request(
        Request(
            condition_expression=body.get("ConditionExpression"),
            update_expression=body.get("UpdateExpression"),
            names=body.get("ExpressionAttributeNames"),
            values=body.get("ExpressionAttributeValues"),
        ),
        ["UpdateExpression", "ConditionExpression"]
        if kind == "Update"
        else ["ConditionExpression"],
        [],
    )
    if kind == "Put":
        item = writes.checked_item(body["Item"])
    else:
        validate_item(body["Key"])
        item = body["Key"]
    return _Action(kind, body, parsed, item)


def _check_distinct(actions: list[_Action], tables: list[StoredTable]) -> None:
    seen: set[tuple[str, bytes]] = set()
    for action, table in zip(actions, tables, strict=True):
        if action.kind == "Put":
            writes.check_item_keys(table.meta, action.item)
        else:
            table.meta.schema.check_key(action.item)
        identity = (table.meta.name, canonical_key(table.meta.schema, action.item))
        if identity in seen:
            raise ValidationException(MULTIPLE_OPERATIONS)
        seen.add(identity)


def _plan_all(
    connection: sqlite3.Connection, actions: list[_Action], tables: list[StoredTable]
) -> list[writes.Planned | None]:
    """Plan every action; raise the cancellation with every action's reason if any fails."""
    plans: list[writes.Planned | None] = []
    reasons: list[dict[str, Any]] = []
    for action, table in zip(actions, tables, strict=True):
        on_failure = action.body.get("ReturnValuesOnConditionCheckFailure")
        condition = action.parsed.condition
        try:
            plan: writes.Planned | None
            if action.kind == "Put":
                plan = writes.put(connection, table, action.item, condition, on_failure)
            elif action.kind == "Delete":
                plan = writes.delete(connection, table, action.item, condition, on_failure)
            elif action.kind == "Update":
                plan = writes.update(
                    connection, table, action.item, action.parsed.update, condition, on_failure
                )
            else:
                writes.require(
                    condition, writes.current(connection, table, action.item), on_failure
                )
                plan = None
        except ConditionalCheckFailedException as failure:
            reasons.append(
                {"Code": "ConditionalCheckFailed", "Message": failure.message, **failure.fields}
            )
            plans.append(None)
            continue
        except ValidationException as invalid:
            reasons.append({"Code": "ValidationError", "Message": invalid.message})
            plans.append(None)
            continue
        reasons.append({"Code": "None"})
        plans.append(plan)
    if any(reason["Code"] != "None" for reason in reasons):
        raise TransactionCanceledException(reasons)
    return plans


def request_fingerprint(transact_items: list[dict[str, Any]]) -> bytes:
    """What identifies a request's parameters for ClientRequestToken idempotency."""
    canonical = orjson.dumps(transact_items, option=orjson.OPT_SORT_KEYS, default=bytes.hex)
    return hashlib.sha256(canonical).digest()
