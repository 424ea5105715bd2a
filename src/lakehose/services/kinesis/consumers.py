"""Enhanced fan-out consumers: registration, description, listing, deregistration.

Consumers are registered, described and deleted as on AWS, with AWS's ARNs
(``<stream ARN>/consumer/<name>:<creation epoch seconds>``); ``subscriptions`` pushes records to
them (SubscribeToShard).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from lakehose.pagination import decode_page_token, encode_page_token
from lakehose.services.kinesis import store
from lakehose.services.kinesis.base import Resource
from lakehose.services.kinesis.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from lakehose.services.kinesis.rows import StreamRow, timestamp
from lakehose.services.kinesis.tagging import TagOperations

MAX_CONSUMERS = 20  # per stream, AWS's quota
_PAGE = 100


class ConsumerOperations(TagOperations):
    def register_stream_consumer(
        self, *, stream_arn: str, consumer_name: str, tags: dict[str, str] | None = None
    ) -> dict[str, Any]:
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = self._locate(connection, None, stream_arn)
            self._require_active(stream, now)
            existing = dict(store.consumers(connection, stream.id))
            if consumer_name in existing:
                raise ResourceInUseException(
                    f"Consumer {consumer_name} under stream {stream.name} under account "
                    f"{self.account_id} already exists."
                )
            if len(existing) >= MAX_CONSUMERS:
                raise LimitExceededException(
                    f"Stream {stream.name} under account {self.account_id} already has "
                    f"{MAX_CONSUMERS} consumers, the most a stream may have."
                )
            store.insert_consumer(connection, stream.id, consumer_name, now)
            if tags:
                arn = self._consumer_arn(stream, consumer_name, now)
                self._add_tags(connection, Resource(stream, arn), tags)
        return {"Consumer": self._consumer(stream, consumer_name, now, now)}

    def describe_stream_consumer(
        self,
        *,
        stream_arn: str | None = None,
        consumer_name: str | None = None,
        consumer_arn: str | None = None,
    ) -> dict[str, Any]:
        now = self._now_ms()
        with self.db.read() as connection:
            stream, name, created_ms = self._find(
                connection, stream_arn, consumer_name, consumer_arn
            )
        description = self._consumer(stream, name, created_ms, now)
        description["StreamARN"] = self._stream_arn(stream.name)
        return {"ConsumerDescription": description}

    def deregister_stream_consumer(
        self,
        *,
        stream_arn: str | None = None,
        consumer_name: str | None = None,
        consumer_arn: str | None = None,
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            stream, name, created_ms = self._find(
                connection, stream_arn, consumer_name, consumer_arn
            )
            store.delete_consumer(connection, stream.id, name)
            store.forget_consumer(connection, self._consumer_arn(stream, name, created_ms))
        return {}

    def list_stream_consumers(
        self,
        *,
        stream_arn: str,
        next_token: str | None = None,
        max_results: int | None = None,
        stream_creation_timestamp: datetime | None = None,
    ) -> dict[str, Any]:
        skip = 0
        if next_token is not None:
            fields = decode_page_token(next_token)
            if fields is None or not isinstance(fields.get("skip"), int):
                raise InvalidArgumentException(f"Invalid NextToken {next_token}.")
            skip = fields["skip"]
        now = self._now_ms()
        with self.db.read() as connection:
            stream = self._locate(connection, None, stream_arn)
            if (
                stream_creation_timestamp is not None
                and int(stream_creation_timestamp.timestamp() * 1000) != stream.created_ms
            ):
                raise ResourceNotFoundException.stream(stream.name, self.account_id)
            registered = store.consumers(connection, stream.id)
        page = min(max_results or _PAGE, _PAGE)
        chosen = registered[skip : skip + page]
        result: dict[str, Any] = {
            "Consumers": [self._consumer(stream, name, created, now) for name, created in chosen]
        }
        if skip + page < len(registered):
            result["NextToken"] = encode_page_token({"skip": skip + page})
        return result

    def _find(
        self,
        connection: sqlite3.Connection,
        stream_arn: str | None,
        consumer_name: str | None,
        consumer_arn: str | None,
    ) -> tuple[StreamRow, str, int]:
        """The stream, name and creation time of the consumer a request names."""
        if consumer_arn is not None:
            stream_part, _, rest = consumer_arn.partition("/consumer/")
            name, _, created_s = rest.rpartition(":")
            if stream_arn is not None and stream_arn != stream_part:
                raise InvalidArgumentException(
                    f"ConsumerARN {consumer_arn} does not belong to stream {stream_arn}."
                )
            if consumer_name is not None and consumer_name != name:
                raise InvalidArgumentException(
                    f"ConsumerARN {consumer_arn} does not name consumer {consumer_name}."
                )
            missing = consumer_arn
            stream_arn = stream_part
        elif stream_arn is not None and consumer_name is not None:
            name, created_s, missing = consumer_name, "", consumer_name
        else:
            raise InvalidArgumentException(
                "Either ConsumerARN or both StreamARN and ConsumerName should be provided."
            )
        try:
            stream = self._locate(connection, None, stream_arn)
        except ResourceNotFoundException:
            raise ResourceNotFoundException.consumer(missing, self.account_id) from None
        created = dict(store.consumers(connection, stream.id)).get(name)
        if created is None or (created_s and str(created // 1000) != created_s):
            raise ResourceNotFoundException.consumer(missing, self.account_id)
        return stream, name, created

    def _consumer(
        self, stream: StreamRow, name: str, created_ms: int, now_ms: int
    ) -> dict[str, Any]:
        arn = self._consumer_arn(stream, name, created_ms)
        return {
            "ConsumerName": name,
            "ConsumerARN": arn,
            "ConsumerStatus": self._consumer_status(created_ms, now_ms),
            "ConsumerCreationTimestamp": timestamp(created_ms),
        }
