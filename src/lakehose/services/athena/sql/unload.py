"""UNLOAD (query) TO 's3://...' WITH (...): a query's rows written as data files, no table.

The properties are CTAS's: ``format`` (PARQUET, the default, ORC, JSON or TEXTFILE),
``compression``, ``field_delimiter`` (TEXTFILE) and ``partitioned_by`` (the query's last
columns, written as ``name=value/`` folders). The files are named as CTAS names them and listed
in the query's data manifest (``<query id>-manifest.csv`` beside its result, written by the
runner). As Athena requires, the destination must hold no object unless the rows are
partitioned; at most 100 partitions are written.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from lakehose.services.athena.sql.context import Context, done
from lakehose.services.athena.sql.ctas import properties, target_of, write
from lakehose.services.athena.sql.errors import (
    HIVE_PATH_ALREADY_EXISTS,
    SYNTAX_ERROR,
    QueryFailed,
    position_in,
)
from lakehose.services.athena.sql.files import Location, is_empty
from lakehose.services.athena.sql.outcome import QueryOutcome
from lakehose.services.athena.sql.translate import parse
from lakehose.services.athena.sql.words import Words
from lakehose.services.athena.sql.writers import FileFormat

_QUERY_WORDS = ("SELECT", "WITH", "VALUES", "TABLE", "(")


def unload(context: Context, words: Words) -> QueryOutcome:
    """``words`` is past ``UNLOAD``."""
    query = _inner_query(context.query, words)
    words.expect("TO")
    location = Location.parse(words.string())
    options = _options(context.query, words)
    stored = str(options.get("format", "PARQUET"))
    compression = options.get("compression")
    delimiter = options.get("field_delimiter")
    text = {"delimiter": str(delimiter)} if delimiter else {}
    file_format = FileFormat.of(stored, str(compression) if compression else None, **text)
    if not options.get("partitioned_by") and not is_empty(context.store, location):
        raise QueryFailed(HIVE_PATH_ALREADY_EXISTS, f"Unload path already exists: {location.uri()}")
    trees = parse(query)
    if len(trees) != 1 or not isinstance(trees[0], exp.Query):
        raise QueryFailed(SYNTAX_ERROR, "UNLOAD takes one SELECT query")
    selected = context.select(trees[0], query, False)
    target = target_of(selected, location, file_format, options)
    outcome = done("DML")
    outcome.written_files = write(context, target, selected)
    outcome.update_count = selected.table.num_rows
    outcome.data_scanned_bytes = selected.scanned
    outcome.files_opened = selected.files
    return outcome


def _inner_query(text: str, words: Words) -> str:
    """The text between ``UNLOAD (`` and its matching ``)``."""
    if words.peek() != "(":
        raise words.fail("'('")
    opening = words.tokens[words.position]
    depth = 0
    for index in range(words.position, len(words.tokens)):
        kind = words.tokens[index].token_type
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(kind, 0)
        if depth == 0:
            closing = words.tokens[index]
            words.position = index + 1
            inner = text[opening.end + 1 : closing.start]
            if Words.of(inner).peek() not in _QUERY_WORDS:
                raise QueryFailed(
                    SYNTAX_ERROR,
                    "mismatched input after 'UNLOAD ('. Expecting: 'SELECT', 'WITH', 'VALUES'",
                    position=position_in(text, opening.end + 1),
                )
            return inner
    words.position = len(words.tokens)
    raise words.fail("')'")


def _options(text: str, words: Words) -> dict[str, object]:
    """The ``WITH (name = value, ...)`` properties, read as CTAS reads its own."""
    if words.done:
        return {}
    words.expect("WITH")
    if words.done:
        raise words.fail("'('")
    rest = text[words.tokens[words.position].start :].strip().rstrip(";")
    trees = parse(f"CREATE TABLE __unload WITH {rest} AS SELECT 1", "athena")
    if len(trees) != 1 or not isinstance(trees[0], exp.Create):
        raise words.fail("'('")
    return properties(trees[0])
