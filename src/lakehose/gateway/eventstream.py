"""AWS's binary event-stream framing (``application/vnd.amazon.eventstream``), for responses whose
output shape holds an event stream (Kinesis SubscribeToShard).

One message, all integers big-endian::

    total length (4) | headers length (4) | prelude CRC32 (4) | headers | payload |
    message CRC32 (4)

the prelude CRC covering the first 8 bytes and the message CRC everything before it. A header is
``name length (1) | name | type (1) | value``; every header here is a string (type 7: ``length (2)
| UTF-8``). An event carries ``:message-type: event``, ``:event-type`` (the member of the stream's
union: ``SubscribeToShardEvent``; ``initial-response`` for the awsJson protocol's first message,
whose payload holds the output's other members) and ``:content-type``; an error raised while the
stream runs becomes one ``:message-type: exception`` message with ``:exception-type`` set to the
error code, and ends the stream. botocore's ``EventStreamBuffer`` reads exactly this.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from botocore.model import StructureShape

from lakehose.errors import ServiceError
from lakehose.gateway.http import HttpResponse

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7
_PRELUDE = struct.Struct(">II")
_CRC = struct.Struct(">I")


def message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One framed event-stream message."""
    encoded = b"".join(
        struct.pack(">B", len(name)) + name + struct.pack(">BH", _STRING, len(value)) + value
        for name, value in ((k.encode(), v.encode()) for k, v in headers.items())
    )
    total = _PRELUDE.size + _CRC.size + len(encoded) + len(payload) + _CRC.size
    prelude = _PRELUDE.pack(total, len(encoded))
    head = prelude + _CRC.pack(zlib.crc32(prelude)) + encoded + payload
    return head + _CRC.pack(zlib.crc32(head))


def event_stream_response(
    result: Mapping[str, Any],
    output: StructureShape,
    encode: Callable[[Mapping[str, Any], StructureShape], bytes],
    content_type: str,
    request_id: str,
) -> HttpResponse:
    """The streamed answer for an operation whose output holds an event stream.

    The first message is ``initial-response`` with the output's other members (botocore's
    parsers require it in every protocol), then the engine's events as they come.
    """
    name = output.event_stream_name
    assert name is not None
    union = output.members[name]
    assert isinstance(union, StructureShape)
    others = {key: value for key, value in result.items() if key != name}
    initial = message(_event_headers("initial-response", content_type), encode(others, output))
    body = EventStreamBody(iter(result[name]), union, encode, content_type, initial)
    headers = {"x-amzn-RequestId": request_id, "Content-Type": CONTENT_TYPE}
    return HttpResponse(200, headers, stream=body)


class EventStreamBody:
    """A ``StreamedBody`` that frames the events an engine produces, as they come.

    ``events`` yields one ``{member: value}`` per event (a member of the stream's union shape),
    or ``None`` when it has nothing yet; ``encode`` turns a value into the protocol's payload by
    its shape. ``close()`` is passed on to ``events`` when it has one.
    """

    def __init__(
        self,
        events: Iterator[Mapping[str, Any] | None],
        union: StructureShape,
        encode: Callable[[Mapping[str, Any], StructureShape], bytes],
        content_type: str,
        initial: bytes,
    ) -> None:
        self._events = events
        self._union = union
        self._encode = encode
        self._content_type = content_type
        self._pending: bytes | None = initial
        self._done = False

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._pending is not None:
            first, self._pending = self._pending, None
            return first
        if self._done:
            raise StopIteration
        try:
            event = next(self._events)
        except StopIteration:
            self._done = True
            raise
        except ServiceError as error:
            self._done = True
            return self._exception(error)
        if event is None:
            return b""
        (name, value), *_ = event.items()
        shape = self._union.members[name]
        assert isinstance(shape, StructureShape)
        return message(_event_headers(name, self._content_type), self._encode(value, shape))

    def close(self) -> None:
        closer = getattr(self._events, "close", None)
        if callable(closer):
            closer()

    def _exception(self, error: ServiceError) -> bytes:
        code = error.error_code
        if code not in self._union.members:
            code = "InternalFailureException"  # the stream's one catch-all error
        shape = self._union.members[code]
        assert isinstance(shape, StructureShape)
        headers = {
            ":message-type": "exception",
            ":exception-type": code,
            ":content-type": self._content_type,
        }
        return message(headers, self._encode({"message": error.message}, shape))


def _event_headers(event_type: str, content_type: str) -> dict[str, str]:
    return {":message-type": "event", ":event-type": event_type, ":content-type": content_type}
