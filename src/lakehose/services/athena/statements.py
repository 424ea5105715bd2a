"""What kind of statement a query is, read from its leading keywords, as Athena reports it.

Athena decides ``StatementType``, ``SubstatementType`` and the name of the result file when the
query is submitted, before it runs, so this looks only at the text: leading whitespace, comments
and opening parentheses are skipped, then the first words decide. The table follows what
aoyagikouhei/athena-local measured against Athena (2026-09-14 to 09-18): ``SELECT``/``WITH``/
``VALUES`` and the write statements are DML, ``CREATE``/``DROP``/``ALTER`` are DDL, everything
else (``SHOW``, ``DESCRIBE``, ...) is UTILITY. A ``SubstatementType`` that was never measured is
left out rather than guessed.

Result files (same source): a ``SELECT`` writes ``<id>.csv`` with a header row; ``UPDATE``/
``DELETE``/``MERGE`` name ``<id>.csv`` but write only its metadata; ``INSERT`` names ``<id>``; a
CTAS names ``tables/<id>``; DDL and utility statements write ``<id>.txt``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

_TRIVIA = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_]+")
# The spaces after the parentheses belong to the optional group, so that a long run of spaces
# has one way to match (``\s*\(*\s*`` had n, making the search quadratic in the query's length).
_AS_QUERY = re.compile(r"\bAS\s*(?:\(+\s*)?(?:SELECT|WITH|VALUES|TABLE)\b", re.IGNORECASE)


class ResultFile(Enum):
    """Where a statement's result goes, relative to the output location."""

    ROWS_CSV = "csv"  # <id>.csv with a header row (queries)
    COUNT_CSV = "count"  # <id>.csv named, only <id>.csv.metadata written (UPDATE/DELETE/MERGE)
    INSERT = "insert"  # <id>, only <id>.metadata written
    CTAS = "ctas"  # tables/<id>, only tables/<id>.metadata written
    TEXT = "txt"  # <id>.txt, rows joined by newlines, no header

    def key(self, prefix: str, execution_id: str) -> str:
        """The result object's key under ``prefix`` (a key prefix, possibly empty)."""
        base = f"{prefix.rstrip('/')}/" if prefix.strip("/") else ""
        if self is ResultFile.CTAS:
            return f"{base}tables/{execution_id}"
        if self is ResultFile.INSERT:
            return f"{base}{execution_id}"
        suffix = ".txt" if self is ResultFile.TEXT else ".csv"
        return f"{base}{execution_id}{suffix}"

    @property
    def has_header(self) -> bool:
        """Query results carry their column labels as the first row (CSV and GetQueryResults)."""
        return self is ResultFile.ROWS_CSV

    @property
    def writes_manifest(self) -> bool:
        """Whether the statement writes data files, listed in ``<result>-manifest.csv``."""
        return self in (ResultFile.CTAS, ResultFile.INSERT)

    @property
    def writes_result(self) -> bool:
        """Whether the result object itself is written (else only its ``.metadata``)."""
        return self in (ResultFile.ROWS_CSV, ResultFile.TEXT)


@dataclass(frozen=True)
class Statement:
    statement_type: str  # DML | DDL | UTILITY
    substatement_type: str | None
    result_file: ResultFile


_QUERY = Statement("DML", "SELECT", ResultFile.ROWS_CSV)
_SHOW = {
    "TABLES": "SHOW_TABLES",
    "DATABASES": "SHOW_DATABASES",
    "SCHEMAS": "SHOW_DATABASES",
    "COLUMNS": "SHOW_COLUMNS",
}
_DROP = {"TABLE": "DROP_TABLE", "VIEW": "DROP_VIEW", "DATABASE": "DROP_DATABASE"}
_DROP["SCHEMA"] = _DROP["DATABASE"]


def leading_words(query: str, count: int = 4) -> list[str]:
    """The first ``count`` words after comments and parentheses, upper-cased."""
    start = _TRIVIA.match(query)
    position = start.end() if start else 0
    return [word.upper() for word in _WORD.findall(query, position)[:count]]


def classify(query: str) -> Statement:
    words = leading_words(query, 64)
    if not words:
        return Statement("UTILITY", None, ResultFile.TEXT)
    first = words[0]
    second = words[1] if len(words) > 1 else ""
    if first in ("SELECT", "WITH", "VALUES", "TABLE"):
        return _QUERY
    if first in ("UPDATE", "DELETE", "MERGE"):
        return Statement("DML", first, ResultFile.COUNT_CSV)
    if first == "INSERT":
        return Statement("DML", "INSERT", ResultFile.INSERT)
    if first == "UNLOAD":
        # Writes data files like INSERT INTO, so its result is named like one, with a manifest.
        return Statement("DML", None, ResultFile.INSERT)  # its SubstatementType: not measured
    if first in ("EXPLAIN", "VACUUM"):
        substatement = {"EXPLAIN": "EXPLAIN", "VACUUM": "VACUUM_TABLE"}.get(first)
        return Statement("DML", substatement, ResultFile.TEXT)
    if first == "CREATE":
        return _create(words, query)
    if first == "DROP":
        return Statement("DDL", _DROP.get(second), ResultFile.TEXT)
    if first == "ALTER":
        adds_column = "ADD" in words and any(w.startswith("COLUMN") for w in words)
        return Statement("DDL", "ALTER_TABLE_ADD_COLUMN" if adds_column else None, ResultFile.TEXT)
    if first == "SHOW":
        third = words[2] if len(words) > 2 else ""
        substatement = "SHOW_CREATE_TABLE" if (second, third) == ("CREATE", "TABLE") else None
        return Statement("UTILITY", substatement or _SHOW.get(second), ResultFile.TEXT)
    if first in ("DESCRIBE", "DESC"):
        return Statement("UTILITY", "DESCRIBE_TABLE", ResultFile.TEXT)
    if first == "MSCK":
        # Hive DDL that Athena runs like ALTER TABLE ADD PARTITION (type not measured).
        return Statement("DDL", None, ResultFile.TEXT)
    return Statement("UTILITY", None, ResultFile.TEXT)


def _create(words: list[str], query: str) -> Statement:
    rest = words[3:] if words[1:3] == ["OR", "REPLACE"] else words[1:]
    noun = next((w for w in rest if w not in ("EXTERNAL", "TEMPORARY")), "")
    if noun in ("DATABASE", "SCHEMA"):
        return Statement("DDL", "CREATE_DATABASE", ResultFile.TEXT)
    if noun == "VIEW":
        return Statement("DDL", "CREATE_VIEW", ResultFile.TEXT)
    if noun == "TABLE":
        if _AS_QUERY.search(query):
            return Statement("DDL", "CREATE_TABLE_AS_SELECT", ResultFile.CTAS)
        return Statement("DDL", "CREATE_TABLE", ResultFile.TEXT)
    return Statement("DDL", None, ResultFile.TEXT)
