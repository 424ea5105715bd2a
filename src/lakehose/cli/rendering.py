"""How pipeline commands show results: query rows as tables, sizes for people."""

from __future__ import annotations

from rich.table import Table

from lakehose.cli.athena_query import QueryResult


def rows_table(result: QueryResult, limit: int | None = None, title: str | None = None) -> Table:
    """The rows as a Rich table (the first ``limit`` of them), NULL shown as such."""
    table = Table(title=title, title_justify="left")
    for column in result.columns:
        table.add_column(column)
    for row in result.rows[:limit]:
        table.add_row(*(value if value is not None else "[dim]NULL[/dim]" for value in row))
    return table


def summary(result: QueryResult) -> str:
    """``3 rows, 1.4 KB scanned, 12 ms; results in s3://...``"""
    count = len(result.rows)
    return (
        f"{count} row{'' if count == 1 else 's'}, {human_bytes(result.bytes_scanned)} scanned, "
        f"{result.engine_milliseconds} ms; results in {result.output_location}"
    )


def human_bytes(count: int) -> str:
    """Decimal units, as the Athena console shows data scanned: ``1.4 KB``."""
    if count < 1000:
        return f"{count} B"
    size = float(count)
    for unit in ("KB", "MB", "GB"):
        size /= 1000
        if size < 1000 or unit == "GB":
            break
    return f"{size:.1f} {unit}"


def counted(value: int | None, noun: str) -> str:
    """``1 object``, ``2 objects``, ``? objects`` when the count is unknown."""
    if value is None:
        return f"? {noun}s"
    return f"{value} {noun}{'' if value == 1 else 's'}"
