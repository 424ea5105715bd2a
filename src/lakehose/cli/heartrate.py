"""The heart-rate example, as the CLI knows it: its resource names and its producer's readings.

A reading is the item the article's generator puts into ``heartrate-ddb`` (reference section
7.2): ``id``, ``HeartRate`` (60 to 140), ``SensorID`` (1 to 5) and ``ReportTime``, every
attribute a DynamoDB string (``{"S": ...}``), as the article writes them and as the Glue table
expects. Two fixes to the article's generator: ids are random UUIDs, so two readings in the same
second no longer overwrite each other (the article used epoch seconds), and ``ReportTime`` is
ISO-8601 UTC (the article wrote ``03/22/2315:55:16`` in local time, date and time run together).

Nothing here reads the clock: the caller passes the moment of each reading.
``sample_change_record`` is for tests and benchmarks that feed Firehose directly.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

# The names the example stack (examples/heartrate) gives its resources.
STACK_NAME = "heartrate"
TABLE_NAME = "heartrate-ddb"
STREAM_NAME = "heartrate-kinesis"
DELIVERY_STREAM_NAME = "heartrate-firehose"
DATABASE_NAME = "heartrate-glue-db"
GLUE_TABLE_NAME = "heartrate-glue-table"
WORKGROUP_NAME = "heartrate-athena-workgroup"
NAMED_QUERIES = ("high-heart-rate", "current-state")

HEART_RATE_RANGE = (60, 140)  # inclusive, as the article's ``jot -r 1 60 140``
SENSOR_RANGE = (1, 5)  # inclusive, as the article's ``(RANDOM % 5) + 1``

Item = dict[str, dict[str, str]]


@dataclass(frozen=True)
class Reading:
    id: str
    heart_rate: int
    sensor_id: int
    report_time: datetime

    def item(self) -> Item:
        """The DynamoDB item, attribute values in wire form, in the article's attribute order."""
        return {
            "id": {"S": self.id},
            "HeartRate": {"S": str(self.heart_rate)},
            "SensorID": {"S": str(self.sensor_id)},
            "ReportTime": {"S": iso_utc(self.report_time)},
        }


def iso_utc(moment: datetime) -> str:
    """``2023-03-22T19:55:16.123Z``: ISO-8601, UTC, milliseconds."""
    if moment.tzinfo is None:
        raise ValueError("a reading's time must carry a time zone")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ReadingGenerator:
    """Readings from a random source; the same ``seed`` gives the same ids and values."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def reading(self, at: datetime) -> Reading:
        return Reading(
            id=str(uuid.UUID(int=self._random.getrandbits(128), version=4)),
            heart_rate=self._random.randint(*HEART_RATE_RANGE),
            sensor_id=self._random.randint(*SENSOR_RANGE),
            report_time=at,
        )


def sample_change_record(n: int) -> bytes:
    """The ``n``-th of a series of article-shaped change records, as Kinesis carries them.

    A KDS-for-DynamoDB INSERT of one of the article's readings (every attribute a string, the
    article's own date format), compact JSON without a trailing newline; deterministic in ``n``,
    for tests and benchmarks that feed Firehose without a table in front of it.
    """
    item = {
        "HeartRate": {"S": str(60 + n % 90)},
        "ReportTime": {"S": "03/22/2315:55:16"},
        "SensorID": {"S": str(n % 10)},
        "id": {"S": str(1679514916 + n)},
    }
    return orjson.dumps(
        {
            "awsRegion": "us-east-1",
            "eventID": f"6f1a2c2e-2f0b-4f7e-9d55-{n:012d}",
            "eventName": "INSERT",
            "userIdentity": None,
            "recordFormat": "application/json",
            "tableName": "heartrate-ddb",
            "dynamodb": {
                "ApproximateCreationDateTime": 1679514917123 + n,
                "Keys": {"id": item["id"]},
                "NewImage": item,
                "SizeBytes": 71,
            },
            "eventSource": "aws:dynamodb",
        }
    )
