"""The documented Trino examples of ``fixtures/trino_functions.txt`` (format in its header)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "trino_functions.txt"
_QUERY_WORDS = ("SELECT ", "WITH ", "VALUES ")


@dataclass
class Case:
    source: str
    sql: str
    line: int
    types: list[str] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    error: str | None = None
    known: str | None = None

    @property
    def query(self) -> str:
        """The statement run: an expression alone is selected."""
        upper = self.sql.upper()
        return self.sql if upper.startswith(_QUERY_WORDS) else f"SELECT {self.sql}"

    @property
    def name(self) -> str:
        return f"{self.line}:{self.sql[:60]}"


def load(path: Path = FIXTURES) -> list[Case]:
    cases: list[Case] = []
    source = ""
    known: str | None = None
    pending: list[str] = []
    current: Case | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip("\n")
        if not line.strip() or line.startswith("--"):
            continue
        if line.startswith("@ "):
            source = line[2:].strip()
            continue
        if line.startswith("# known:"):
            known = line.split(":", 1)[1].strip()
            continue
        if line.startswith(("=> ", "!! ")):
            if pending:
                current = Case(source, " ".join(pending), number - len(pending), known=known)
                cases.append(current)
                pending, known = [], None
            if current is None:
                raise ValueError(f"line {number}: a result without a query")
            _result(current, line)
            continue
        current = None
        pending.append(line.strip())
    if pending:
        raise ValueError(f"{path}: the last query has no result")
    return cases


def _result(case: Case, line: str) -> None:
    body = line[3:]
    if line.startswith("!! "):
        case.error = body.strip()
    elif body.startswith("types "):
        case.types = json.loads(body[6:])
    elif body.startswith("row "):
        case.rows.append(json.loads(body[4:]))
    else:
        kind, _, value = body.partition(" | ")
        case.types = [kind.strip()]
        case.rows = [[None if value == "NULL" else value]]
