"""CBOR values to and from Python values, directed by botocore shapes (AWS CBOR and RPC v2 CBOR).

CBOR carries JSON's data model plus byte strings and tags, and both CBOR protocols are JSON
protocols with a binary body, so the shape walk and its strictness are ``json_shapes``'s. Only
these differ: blobs are byte strings (never base64), timestamps are tag 1 around an epoch number,
NaN and the infinities are native floats, and ``undefined`` counts as null (the Smithy RPC v2 spec
requires servers to read it so).

The two protocols count tag-1 numbers in different units, which is why each has its own
``CborShapes``:

- AWS CBOR (``application/x-amz-cbor-1.1``, Kinesis from the Java SDKs and the KCL) counts epoch
  MILLISECONDS, as an integer. aws-sdk-java-v2 ``protocols/cbor/internal/SdkCborGenerator``
  ``writeValue(Instant)`` writes ``writeTag(1)`` then ``writeNumber(instant.toEpochMilli())``, and
  ``AwsCborProtocolFactory`` reads payload timestamps as ``UNIX_TIMESTAMP_MILLIS``, that is
  ``DateUtils.parseUnixTimestampMillisInstant``: ``Long.parseLong`` of the number, so a float would
  fail there. aws-sdk-java v1 is the same: ``SdkCborGenerator.writeValue(Date)`` writes
  ``date.getTime()`` under tag 1 and ``SimpleTypeCborUnmarshallers.DateCborUnmarshaller`` reads
  ``getLongValue()`` as milliseconds.
- Smithy RPC v2 CBOR counts epoch SECONDS, an integer or a float with millisecond resolution
  (smithy.io, "Smithy RPC v2 CBOR protocol", Timestamp type serialization; botocore's
  ``RpcV2CBORSerializer`` and ``BaseCBORParser._parse_tag``), and names members by their member
  names, never by a ``locationName``.

Both SDKs' readers ignore the tag itself (Jackson reports the bare number), so a request's
untagged number is read in the same unit; responses always carry the tag.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
from botocore.model import Shape

from lakehose.gateway.protocols.base import SerializationException
from lakehose.gateway.protocols.json_shapes import JsonShapes
from lakehose.gateway.protocols.values import to_datetime

EPOCH_TAG = 1  # RFC 8949 section 3.4.2: epoch-based date/time
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
# The tags cbor2 6 would turn into Python objects (dates, decimals, sets, shared values, regular
# expressions...), kept raw instead: a timestamp's unit is the protocol's to decide, other objects
# must fail the shape check as the wrong type, and shared values (28, 29) can build cycles. Tags
# that only change how a value is spelled keep their meaning: bignums (2, 3) are integers, as
# Jackson reads them, string references (25, 256) are strings, 55799 marks a CBOR document.
_OBJECT_TAGS = (0, 1, 4, 5, 28, 29, 30, 35, 36, 37, 52, 54, 100, 258, 260, 261, 1004, 43000)


def _raw(tag: int) -> cbor2.SemanticDecoderCallback:
    return lambda value, _immutable: cbor2.CBORTag(tag, value)


_RAW_TAGS: dict[int, cbor2.SemanticDecoderCallback] = {tag: _raw(tag) for tag in _OBJECT_TAGS}


def load(body: bytes) -> Any:
    """The single CBOR data item ``body`` holds; ``SerializationException`` for anything else."""
    decoder = cbor2.CBORDecoder(io.BytesIO(body), semantic_decoders=_RAW_TAGS)
    try:
        value = decoder.decode()
    except cbor2.CBORError as error:
        raise SerializationException(f"Malformed CBOR body: {error}") from None
    try:
        decoder.read(1)
    except cbor2.CBORDecodeEOF:
        return value
    raise SerializationException("Malformed CBOR body: data after the first data item")


def dump(document: Mapping[str, Any]) -> bytes:
    """Definite lengths, shortest integer heads and keys in shape member order: byte-comparable."""
    return cbor2.dumps(document, default=_as_text)


def _as_text(encoder: cbor2.CBOREncoder, value: Any) -> None:
    # A value no shape describes (an error's extra field): its text, as the JSON protocols send.
    encoder.encode(str(value))


class CborShapes(JsonShapes):
    """JSON's shape rules with CBOR's scalars; one tag-1 number counts ``unit``."""

    def __init__(self, *, unit: timedelta, member_names: bool) -> None:
        self.unit = unit
        self.member_names = member_names

    def wire_name(self, name: str, member: Shape) -> str:
        return name if self.member_names else super().wire_name(name, member)

    def is_null(self, value: Any) -> bool:
        return value is None or value is cbor2.undefined

    def kind(self, value: Any) -> str:
        if isinstance(value, bytes | cbor2.CBORSimpleValue):
            return "VALUE_EMBEDDED_OBJECT"
        return super().kind(value)

    def mismatch(self, value: Any, expected: str) -> SerializationException:
        while isinstance(value, cbor2.CBORTag):
            value = value.value  # Jackson reports a tagged item by its content
        return super().mismatch(value, expected)

    def decode_float(self, value: Any, kind: str) -> float:
        if isinstance(value, str):  # CBOR spells NaN and the infinities as floats
            raise self.mismatch(value, kind.capitalize())
        return super().decode_float(value, kind)

    def decode_blob(self, value: Any) -> bytes:
        if not isinstance(value, bytes):
            raise self.mismatch(value, "Blob")
        return value

    def decode_timestamp(self, value: Any) -> datetime:
        tagged = isinstance(value, cbor2.CBORTag) and value.tag == EPOCH_TAG
        number = value.value if tagged else value
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise self.mismatch(value, "Date")
        try:
            return _EPOCH + number * self.unit
        except (OverflowError, ValueError):  # out of datetime's range, NaN, infinite
            raise SerializationException(f"{number} is not a valid timestamp") from None

    def encode_blob(self, value: Any) -> bytes:
        return value.encode() if isinstance(value, str) else bytes(value)

    def encode_timestamp(self, value: Any, shape: Shape) -> cbor2.CBORTag:
        # Millisecond resolution, as both protocols send; whole numbers stay integers.
        milliseconds = (to_datetime(value) - _EPOCH) // _MILLISECOND
        count = milliseconds * _MILLISECOND / self.unit
        return cbor2.CBORTag(EPOCH_TAG, int(count) if count.is_integer() else count)

    def encode_float(self, number: float) -> float:
        return number


AWS_CBOR = CborShapes(unit=_MILLISECOND, member_names=False)
RPC_V2_CBOR = CborShapes(unit=timedelta(seconds=1), member_names=True)
