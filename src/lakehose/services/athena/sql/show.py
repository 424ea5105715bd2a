"""SHOW and DESCRIBE, answered from Glue as Athena's Hive metadata statements answer them.

Each returns one varchar column (Hive's names: ``database_name``, ``tab_name``, ``partition``,
``field``, ``createtab_stmt``, ``col_name``) with one row per line of Hive's text output,
which is what Athena's ``.txt`` result holds. DESCRIBE pads names and types to 20 characters
and separates them with tabs, as Hive's metadata formatter does. Patterns in ``SHOW ... LIKE
'x*|y'`` use Hive's ``*`` wildcard and ``|`` alternatives, ignoring case.
"""

from __future__ import annotations

import re

from lakehose.services.athena.sql.catalog import CatalogTable
from lakehose.services.athena.sql.context import Context
from lakehose.services.athena.sql.outcome import QueryOutcome, ResultColumn
from lakehose.services.athena.sql.partitions import hive_path
from lakehose.services.athena.sql.words import Words

_PAD = 20


def _lines(column: str, rows: list[str]) -> QueryOutcome:
    return QueryOutcome(
        columns=[ResultColumn(column, "varchar", 2147483647, 0)],
        rows=[[row] for row in rows],
        data_scanned_bytes=0,
        statement_type="UTILITY",  # as Athena reports SHOW and DESCRIBE
    )


def _matcher(pattern: str | None) -> re.Pattern[str]:
    if not pattern:
        return re.compile(".*")
    options = [_wildcards(p.strip()) for p in pattern.split("|")]
    return re.compile("|".join(f"(?:{o})" for o in options), re.IGNORECASE)


def _wildcards(option: str) -> str:
    """A Hive pattern (``*`` any run, the rest literal) as a regex that cannot backtrack.

    Each piece between stars is taken at its first occurrence and kept (an atomic group), which
    finds a match whenever one exists, in O(name x pattern); ``.*a.*a.*b`` instead backtracks
    through every placement, exponentially in the number of stars.
    """
    pieces = [re.escape(piece) for piece in option.split("*")]
    if len(pieces) == 1:
        return pieces[0]
    middle = "".join(f"(?>.*?{piece})" for piece in pieces[1:-1])
    return f"{pieces[0]}{middle}.*{pieces[-1]}"


def show(context: Context, words: Words) -> QueryOutcome:
    if words.accept("DATABASES") or words.accept("SCHEMAS"):
        words.accept("LIKE")
        pattern = _matcher(words.maybe_string())
        words.end()
        names = sorted(str(d["Name"]) for d in context.catalog.list_databases())
        return _lines("database_name", [n for n in names if pattern.fullmatch(n)])
    if words.accept("TABLES") or words.accept("VIEWS"):
        views_only = words.tokens[words.position - 1].text.upper() == "VIEWS"
        database = context.database
        if words.accept("IN") or words.accept("FROM"):
            database = words.name()[-1].lower()
        words.accept("LIKE")
        pattern = _matcher(words.maybe_string())
        words.end()
        if not database:
            raise words.fail("IN <database>")
        context.require_database(database)
        tables = context.catalog.list_tables(database)
        names = sorted(
            str(t["Name"]).lower()
            for t in tables
            if not views_only or t.get("TableType") == "VIRTUAL_VIEW"
        )
        return _lines("tab_name", [n for n in names if pattern.fullmatch(n)])
    if words.accept("PARTITIONS"):
        table = context.existing_table(words.name())
        words.end()
        partitions = context.catalog.get_partitions(table.database, table.name)
        paths = sorted(hive_path(table, p.get("Values") or []) for p in partitions)
        return _lines("partition", paths)
    if words.accept("COLUMNS"):
        if not (words.accept("IN") or words.accept("FROM")):
            raise words.fail("IN, FROM")
        parts = words.name()
        if words.accept("IN") or words.accept("FROM"):
            parts = [words.name()[-1], parts[-1]]
        words.end()
        table = context.existing_table(parts)
        return _lines("field", [f"{c.name:<{_PAD}}" for c in table.all_columns()])
    if words.accept("CREATE"):
        if not (words.accept("TABLE") or words.accept("VIEW")):
            raise words.fail("TABLE, VIEW")
        table = context.existing_table(words.name())
        words.end()
        return _lines("createtab_stmt", show_create(table))
    if words.accept("TBLPROPERTIES"):
        table = context.existing_table(words.name())
        wanted = None
        if words.accept("("):
            wanted = words.string()
            words.expect(")")
        words.end()
        properties = sorted(table.parameters.items())
        rows = [f"{k}\t{v}" for k, v in properties if wanted is None or k == wanted]
        return _lines("prpt_name", rows)
    raise words.fail("DATABASES, SCHEMAS, TABLES, VIEWS, PARTITIONS, COLUMNS, CREATE")


def describe(context: Context, words: Words) -> QueryOutcome:
    """DESCRIBE [EXTENDED | FORMATTED] t [column]."""
    detailed = words.accept("EXTENDED") or words.accept("FORMATTED")
    table = context.existing_table(words.name())
    column = words.name()[-1].lower() if not words.done else None
    words.end()
    rows = []
    for entry in table.all_columns():
        if column is None or entry.name == column:
            rows.append(_described(entry.name, entry.type.hive(), entry.comment))
    if table.partition_keys and column is None:
        rows += ["", "# Partition Information", _described("# col_name", "data_type", "comment")]
        rows.append("")
        rows += [_described(k.name, k.type.hive(), k.comment) for k in table.partition_keys]
    if detailed:
        rows += ["", "# Detailed Table Information"]
        rows += [f"Location:\t{table.descriptor.get('Location', '')}"]
        rows += [f"Table Type:\t{table.raw.get('TableType', '')}"]
    described = _lines("col_name", rows)
    # Athena's ColumnInfo names the three tab-separated fields, while each row is one line of
    # text (awswrangler's describe_table reads the .txt result by these names).
    described.columns += [
        ResultColumn(name, "varchar", 2147483647, 0) for name in ("data_type", "comment")
    ]
    return described


def _described(name: str, kind: str, comment: str | None) -> str:
    return f"{name:<{_PAD}}\t{kind:<{_PAD}}\t{comment or ''}"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "\\'") + "'"


def _listed(items: list[str], separator: str, closing: str) -> list[str]:
    """Lines of a parenthesised list: every item but the last ends with the separator."""
    return [item + (separator if i < len(items) - 1 else closing) for i, item in enumerate(items)]


def show_create(table: CatalogTable) -> list[str]:
    """SHOW CREATE TABLE as Athena prints a Hive table (or a view's CREATE VIEW)."""
    if table.is_view:
        sql, _ = table.view_sql()
        return [f"CREATE VIEW {table.name} AS", *sql.splitlines()]
    lines = [f"CREATE EXTERNAL TABLE `{table.database}`.`{table.name}`("]
    columns = [
        f"  `{c.name}` {c.type.hive()}" + (f" COMMENT {_quoted(c.comment)}" if c.comment else "")
        for c in table.columns
    ]
    lines += _listed(columns, ", ", ")")
    if table.raw.get("Description"):
        lines.append(f"COMMENT {_quoted(str(table.raw['Description']))}")
    if table.partition_keys:
        lines.append("PARTITIONED BY ( ")
        lines += _listed([f"  `{k.name}` {k.type.hive()}" for k in table.partition_keys], ", ", ")")
    descriptor = table.descriptor
    serde = descriptor.get("SerdeInfo") or {}
    lines += ["ROW FORMAT SERDE ", f"  {_quoted(str(serde.get('SerializationLibrary', '')))} "]
    parameters = sorted((serde.get("Parameters") or {}).items())
    if parameters:
        lines.append("WITH SERDEPROPERTIES ( ")
        lines += _listed([f"  {_quoted(k)}={_quoted(v)}" for k, v in parameters], ", ", ") ")
    lines += ["STORED AS INPUTFORMAT ", f"  {_quoted(str(descriptor.get('InputFormat', '')))} "]
    lines += ["OUTPUTFORMAT ", f"  {_quoted(str(descriptor.get('OutputFormat', '')))}"]
    lines += ["LOCATION", f"  {_quoted(str(descriptor.get('Location', '')).rstrip('/'))}"]
    properties = sorted(table.parameters.items())
    if properties:
        lines.append("TBLPROPERTIES (")
        lines += _listed([f"  {_quoted(k)}={_quoted(v)}" for k, v in properties], ", ", ")")
    return lines
