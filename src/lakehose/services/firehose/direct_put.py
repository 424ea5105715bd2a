"""PutRecord and PutRecordBatch: records from producers into a DirectPut stream's buffers.

An acknowledged record is durable: the records of one call are appended to the first buffer in
the same SQLite transaction that reserves their record ids, and the call answers after it
commits. Limits are AWS's: 500 records per batch and 1,000 KiB per record (the model's, checked
by the gateway), 4 MiB of data per batch (here).
"""

from __future__ import annotations

from typing import Any

from lakehose.services.firehose import buffers, store
from lakehose.services.firehose.base import FirehoseBase
from lakehose.services.firehose.errors import InvalidArgumentException, ResourceNotFoundException
from lakehose.services.firehose.records import SourceRecord, direct_put_record_id
from lakehose.services.firehose.statuses import DeliveryStreamStatus
from lakehose.services.firehose.streams import DIRECT_PUT

BATCH_LIMIT_BYTES = 4 * (1 << 20)


class DirectPutOperations(FirehoseBase):
    def put_record(self, *, delivery_stream_name: str, record: dict[str, Any]) -> dict[str, Any]:
        (record_id,) = self._put(delivery_stream_name, [bytes(record["Data"])])
        return {"RecordId": record_id, "Encrypted": False}

    def put_record_batch(
        self, *, delivery_stream_name: str, records: list[dict[str, Any]]
    ) -> dict[str, Any]:
        ids = self._put(delivery_stream_name, [bytes(record["Data"]) for record in records])
        # lakehose never throttles, so no record fails on its own; each gets its id.
        return {
            "FailedPutCount": 0,
            "Encrypted": False,
            "RequestResponses": [{"RecordId": record_id} for record_id in ids],
        }

    def _put(self, name: str, datas: list[bytes]) -> list[str]:
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = self._locate(connection, name)
            if stream.type != DIRECT_PUT:
                raise InvalidArgumentException.kinesis_source()
            if stream.status(now) != DeliveryStreamStatus.ACTIVE:
                raise ResourceNotFoundException.stream(name, self.account_id)
            if sum(len(data) for data in datas) > BATCH_LIMIT_BYTES:
                raise InvalidArgumentException.batch_too_large()
            first = store.take_counter(connection, stream.id, "next_record", len(datas))
            records = [
                SourceRecord(direct_put_record_id(stream.created_ms, first + n), data, now)
                for n, data in enumerate(datas)
            ]
            buffers.admit(connection, stream.id, self._destination(stream), records, now)
        return [record.record_id for record in records]
