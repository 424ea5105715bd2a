"""Log events: PutLogEvents, GetLogEvents, FilterLogEvents, and the port other engines write by.

PutLogEvents checks a batch as AWS does: events in chronological order, spanning at most 24
hours, at most 1,048,576 bytes (each event's UTF-8 message plus 26 bytes); events more than 14
days old (or older than the group's retention) or more than 2 hours ahead are rejected and
reported in ``rejectedLogEventsInfo``, the others stored. Sequence tokens are accepted and
ignored, as AWS has ignored them since January 2023.

GetLogEvents pages through one stream by arrival with AWS-shaped tokens (``f/`` and ``b/``
followed by 56 digits); at either end the token given comes back. FilterLogEvents reads a
group's streams merged by time, keeps the events the filter pattern (``patterns``) matches,
and returns at most ``limit`` of them; it examines at most ``SCAN_LIMIT`` events per call, and
when it stops early it returns a ``nextToken``, as AWS does when a search takes too long.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

from lakehose.pagination import encode_page_token
from lakehose.services.logs import store
from lakehose.services.logs.base import LogsBase
from lakehose.services.logs.errors import InvalidParameterException
from lakehose.services.logs.patterns import compile_pattern

BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_SPAN_MS = 24 * 3600 * 1000
MAX_AGE_MS = 14 * 86_400_000
MAX_AHEAD_MS = 2 * 3600 * 1000
DEFAULT_EVENTS = 10_000
SCAN_LIMIT = 100_000
_READ_BATCH = 1000
_FAR_FUTURE = 2**62
_TOKEN = re.compile(r"([fb])/(\d{56})")


class EventOperations(LogsBase):
    def put_log_events(
        self,
        *,
        log_group_name: str,
        log_stream_name: str,
        log_events: list[dict[str, Any]],
        sequence_token: str | None = None,
        entity: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        events = [(int(event["timestamp"]), str(event["message"])) for event in log_events]
        if any(later[0] < earlier[0] for earlier, later in itertools.pairwise(events)):
            raise InvalidParameterException(
                "Log events in a single PutLogEvents request must be in chronological order."
            )
        if events[-1][0] - events[0][0] > MAX_SPAN_MS:
            raise InvalidParameterException(
                "The batch of log events in a single PutLogEvents request cannot span more than "
                "24 hours."
            )
        size = sum(len(message.encode()) + EVENT_OVERHEAD for _, message in events)
        if size > BATCH_BYTES:
            raise InvalidParameterException(
                f"Upload too large: {size} bytes exceeds limit of {BATCH_BYTES}"
            )
        now = self._now_ms()
        with self.db.transaction() as connection:
            self._find_stream(connection, log_group_name, log_stream_name)
            group = self._find_group(connection, log_group_name)
            floor = self._retention_floor(group)
            rejected: dict[str, int] = {}
            kept: list[tuple[int, str]] = []
            for index, (timestamp, message) in enumerate(events):
                if timestamp > now + MAX_AHEAD_MS:
                    rejected.setdefault("tooNewLogEventStartIndex", index)
                elif timestamp < now - MAX_AGE_MS:
                    rejected["tooOldLogEventEndIndex"] = index
                elif timestamp < floor:
                    rejected["expiredLogEventEndIndex"] = index
                else:
                    kept.append((timestamp, message))
            if kept:
                store.append(connection, log_group_name, log_stream_name, kept, now)
        result: dict[str, Any] = {"nextSequenceToken": f"{now:056d}"}
        if rejected:
            result["rejectedLogEventsInfo"] = rejected
        return result

    def append_events(self, group: str, stream: str, events: Sequence[tuple[int, str]]) -> None:
        """Append ``(timestamp ms, message)`` events, creating the group and stream as needed
        (what Lambda does for a function's log group; no limits apply to the platform)."""
        if not events:
            return
        now = self._now_ms()
        with self.db.transaction() as connection:
            store.insert_group(connection, group, now, None, "STANDARD")
            store.insert_stream(connection, group, stream, now)
            store.append(connection, group, stream, events, now)

    def get_log_events(
        self,
        *,
        log_stream_name: str,
        log_group_name: str | None = None,
        log_group_identifier: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        next_token: str | None = None,
        limit: int | None = None,
        start_from_head: bool | None = None,
        unmask: bool = False,
    ) -> dict[str, Any]:
        group_name = self._group_name(log_group_name, log_group_identifier)
        direction, position = _stream_token(next_token)
        with self.db.read() as connection:
            self._find_stream(connection, group_name, log_stream_name)
            group = self._find_group(connection, group_name)
            start = max(start_time or 0, self._retention_floor(group))
            backward = direction == "b" or (direction is None and not start_from_head)
            events = store.stream_events(
                connection,
                group_name,
                log_stream_name,
                start=start,
                end=end_time if end_time is not None else _FAR_FUTURE,
                after_id=position if direction == "f" else None,
                before_id=position if direction == "b" else None,
                limit=limit or DEFAULT_EVENTS,
                newest_first=backward,
            )
        if events:
            forward, back = f"f/{events[-1].id:056d}", f"b/{events[0].id:056d}"
        else:
            # At either end the same token comes back (AWS's end-of-stream signal).
            at = position or 0
            forward, back = next_token or f"f/{at:056d}", next_token or f"b/{at:056d}"
            if direction == "f":
                back = f"b/{at + 1:056d}"
            elif direction == "b":
                forward = f"f/{max(at - 1, 0):056d}"
        return {
            "events": [
                {"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion}
                for e in events
            ],
            "nextForwardToken": forward,
            "nextBackwardToken": back,
        }

    def filter_log_events(
        self,
        *,
        log_group_name: str | None = None,
        log_group_identifier: str | None = None,
        log_stream_names: list[str] | None = None,
        log_stream_name_prefix: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        filter_pattern: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
        interleaved: bool | None = None,
        start_from_head: bool | None = None,
        unmask: bool = False,
    ) -> dict[str, Any]:
        group_name = self._group_name(log_group_name, log_group_identifier)
        if log_stream_names is not None and log_stream_name_prefix is not None:
            raise InvalidParameterException(
                "logStreamNames and logStreamNamePrefix are mutually exclusive parameters."
            )
        matches = compile_pattern(filter_pattern)
        token = self._token(next_token)
        after = (int(token["timestamp"]), int(token["id"])) if token else None
        wanted = limit or DEFAULT_EVENTS
        names = set(log_stream_names or ())
        found: list[store.Event] = []
        scanned = 0
        exhausted = False
        with self.db.read() as connection:
            group = self._find_group(connection, group_name)
            start = max(start_time or 0, self._retention_floor(group))
            end = end_time if end_time is not None else _FAR_FUTURE
            while len(found) < wanted and scanned < SCAN_LIMIT:
                batch = store.group_events(
                    connection, group_name, start=start, end=end, after=after, limit=_READ_BATCH
                )
                if not batch:
                    exhausted = True
                    break
                for event in batch:
                    scanned += 1
                    after = (event.timestamp, event.id)
                    if names and event.stream not in names:
                        continue
                    if log_stream_name_prefix and not event.stream.startswith(
                        log_stream_name_prefix
                    ):
                        continue
                    if matches(event.message):
                        found.append(event)
                        if len(found) == wanted:
                            break
        result: dict[str, Any] = {
            "events": [
                {
                    "logStreamName": event.stream,
                    "timestamp": event.timestamp,
                    "message": event.message,
                    "ingestionTime": event.ingestion,
                    "eventId": f"{event.id:056d}",
                }
                for event in found
            ],
            # Deprecated by AWS in 2020: always an empty list.
            "searchedLogStreams": [],
        }
        if not exhausted and after is not None:
            result["nextToken"] = encode_page_token({"timestamp": after[0], "id": after[1]})
        return result

    def _expire(self) -> None:
        """Delete the events each group's retention no longer keeps."""
        with self.db.transaction() as connection:
            for group in store.groups_with_retention(connection):
                store.expire(connection, group.name, self._retention_floor(group))


def _stream_token(token: str | None) -> tuple[str | None, int | None]:
    if token is None:
        return None, None
    found = _TOKEN.fullmatch(token)
    if found is None:
        raise InvalidParameterException("The specified nextToken is invalid.")
    return found.group(1), int(found.group(2))
