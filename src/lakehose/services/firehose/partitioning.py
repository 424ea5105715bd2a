"""Dynamic partitioning's inline parsing: the ``MetadataExtraction`` processor's jq query.

The ``MetadataExtractionQuery`` parameter is one jq program building an object of partition
keys, ``{customer_id:.customer_id, year:.event_timestamp|strftime("%Y")}``, run against each
record with ``JsonParsingEngine`` ``JQ-1.6`` (the only value AWS defines). lakehose runs it with
the ``jq`` package (jq 1.7 inside; the language is the same for these queries).

A record fails with ``DynamicPartitioning.MetadataExtractionFailed`` and goes to the error
output under ``metadata-extraction-failed`` (both observed in real error prefixes) when:

* it is not exactly one JSON document: ``Non JSON record provided`` (AWS's message, observed for
  a record holding several concatenated objects);
* the query fails on it (jq's own error text), or yields anything but one object;
* a key's value is ``null`` (a field the record lacks) [message unconfirmed].

Values are the text jq would print: strings as they are, numbers, booleans and structures as
their JSON (``tojson``), so ``.n`` of ``{"n": 7}`` gives ``"7"``.

The query is code from the API caller, so it never runs in the server process: ``jq_sandbox``
compiles and evaluates it in a worker process with an empty environment (``$ENV`` and ``env``
are ``{}``), a CPU-time and a memory limit. A record whose query hits a limit fails like any
other (the message names the limit) and the stream goes on. A query that imports or includes a
jq module is refused at CreateDeliveryStream: modules would be files on the server's disk.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from lakehose.services.firehose.jq_sandbox import JqFailure, default_sandbox

__all__ = [
    "JSON_PARSING_ENGINES",
    "METADATA_EXTRACTION_FAILED",
    "NON_JSON_MESSAGE",
    "PartitionKeyError",
    "PartitionQueries",
    "compile_queries",
]

METADATA_EXTRACTION_FAILED = "DynamicPartitioning.MetadataExtractionFailed"
NON_JSON_MESSAGE = "Non JSON record provided"
JSON_PARSING_ENGINES = ("JQ-1.6",)
# Renders every non-string value as jq's own JSON text, keeping nulls so they can be reported.
# The query's closing parenthesis is on a line of its own, so a ``# comment`` cannot swallow it.
_STRINGIFY = (
    '| if type == "object" then map_values(if type == "string" or type == "null" '
    "then . else tojson end) else . end"
)
# jq's parse errors for module directives after the sandbox's prelude.
_MODULE_DIRECTIVES = ("unexpected import", "unexpected include")


class PartitionKeyError(Exception):
    """A record's partition keys could not be determined; it belongs in the error output."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message


@dataclass(frozen=True)
class PartitionQueries:
    """A compiled ``MetadataExtractionQuery``."""

    query: str
    # What the sandbox runs: the query, then the rendering of its values.
    program: str

    def extract(self, data: bytes) -> dict[str, str]:
        """The partition keys of one record; raises ``PartitionKeyError`` when it has none."""
        try:
            orjson.loads(data)  # one JSON document, nothing after it
            text = data.decode("utf-8")
        except (orjson.JSONDecodeError, UnicodeDecodeError):
            raise PartitionKeyError(METADATA_EXTRACTION_FAILED, NON_JSON_MESSAGE) from None
        try:
            results = default_sandbox().run(self.program, text)
        except JqFailure as failure:
            raise PartitionKeyError(METADATA_EXTRACTION_FAILED, failure.message) from None
        if len(results) != 1 or not isinstance(results[0], dict):
            raise PartitionKeyError(
                METADATA_EXTRACTION_FAILED,
                "The metadata extraction query must produce exactly one JSON object",
            )
        keys: dict[str, str] = {}
        for key, value in results[0].items():
            if value is None:
                raise PartitionKeyError(
                    METADATA_EXTRACTION_FAILED, f"Partition key {key} evaluated to null"
                )
            keys[key] = value
        return keys


def compile_queries(
    metadata_extraction_query: str, json_parsing_engine: str | None
) -> PartitionQueries:
    """Compiles the query; raises ``ValueError`` (for ``InvalidArgumentException``) if unusable."""
    engine = json_parsing_engine or JSON_PARSING_ENGINES[0]
    if engine not in JSON_PARSING_ENGINES:
        raise ValueError(
            f"JsonParsingEngine {engine} is not supported; use {' or '.join(JSON_PARSING_ENGINES)}"
        )
    if not metadata_extraction_query.strip():
        raise ValueError("MetadataExtractionQuery must not be empty")
    program = f"({metadata_extraction_query}\n) {_STRINGIFY}"
    try:
        default_sandbox().check(program)
    except JqFailure as failure:
        if any(directive in failure.message for directive in _MODULE_DIRECTIVES):
            raise ValueError(
                "MetadataExtractionQuery must not import or include jq modules"
            ) from None
        raise ValueError(
            f"MetadataExtractionQuery is not a valid jq program: {failure.message}"
        ) from None
    return PartitionQueries(metadata_extraction_query, program)
