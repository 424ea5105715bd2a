"""What a statement returns: Athena-shaped columns and rows, already rendered as text."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResultColumn:
    """One result column as Athena's ``ColumnInfo`` describes it.

    ``type`` is the full Trino type signature (``varchar``, ``decimal(10,2)``,
    ``array(varchar)``, ``row(a integer, b varchar)``); ``ColumnInfo.Type`` is its base name.
    """

    name: str
    type: str
    precision: int = 0
    scale: int = 0
    nullable: str = "UNKNOWN"

    @property
    def base_type(self) -> str:
        """``ColumnInfo.Type``: the signature's base name (``decimal``, ``array``, ``row``,
        ``timestamp``, ``timestamp with time zone``)."""
        base = self.type.split("(", 1)[0]
        return f"{base} with time zone" if self.type.endswith(" with time zone") else base


@dataclass
class QueryOutcome:
    """A finished statement: every value is rendered as Athena renders it, NULL as None."""

    columns: list[ResultColumn]
    rows: list[list[str | None]]
    data_scanned_bytes: int
    statement_type: str  # DML | DDL | UTILITY
    update_count: int | None = None  # rows written by CTAS / INSERT INTO
    files_opened: int = 0  # data files read (partition pruning is visible here)
    written_files: list[str] = field(default_factory=list)  # s3:// URIs CTAS / INSERT wrote
