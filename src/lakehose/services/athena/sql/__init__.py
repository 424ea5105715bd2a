"""Athena's SQL engine: Trino SQL in, Athena-shaped rows out, over Glue tables and S3 files.

``SqlEngine.execute`` runs one statement. Queries are parsed with sqlglot's Trino dialect,
rewritten by the rules in ``translate`` (catalog tables become DuckDB relations over the files
their Glue definitions name, Trino functions become DuckDB ones) and run by DuckDB in a
connection sandboxed to exactly the files the query reads (``sandbox``). DDL and utility
statements (``ddl``, ``show``, ``ctas``) act on the catalog through ``ports.CatalogPort`` and on
objects through ``ports.ObjectStorePort``. Every failure is a ``QueryFailed`` with Athena's
error name, category, type and message (``errors``).
"""

from lakehose.services.athena.sql.engine import SqlEngine
from lakehose.services.athena.sql.errors import QueryCancelled, QueryFailed
from lakehose.services.athena.sql.outcome import QueryOutcome, ResultColumn

__all__ = ["QueryCancelled", "QueryFailed", "QueryOutcome", "ResultColumn", "SqlEngine"]
