"""Firehose record transformation: end every record with a newline.

Firehose concatenates records byte for byte. DynamoDB change records carry no trailing newline,
so without this step an object holds ``{...}{...}{...}`` on one line and Athena's JSON SerDe
reads only the first record of each object. The contract (Firehose developer guide, "Data
transformation"): answer every ``recordId`` exactly once, with ``result`` ``Ok`` and the new
``data`` base64-encoded.
"""

from __future__ import annotations

import base64
from typing import Any

NEWLINE = b"\n"


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return {"records": [_transform(record) for record in event["records"]]}


def _transform(record: dict[str, Any]) -> dict[str, Any]:
    # Bytes, not text: a record that is not UTF-8 passes through unchanged instead of failing.
    data = base64.b64decode(record["data"])
    if not data.endswith(NEWLINE):
        # A record that already ends the line keeps it: a second newline would be an empty
        # line, which the SerDe reads as a row of NULLs.
        data += NEWLINE
    return {
        "recordId": record["recordId"],
        "result": "Ok",
        "data": base64.b64encode(data).decode("ascii"),
    }
