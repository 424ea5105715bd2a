"""How a statement fails: Athena's error names, categories, types and message texts.

Exception tree::

    QueryFailed                 any failed statement; the query execution becomes FAILED
    +-- QueryCancelled          the run was stopped or exceeded its scan cutoff: CANCELLED

``QueryFailed.message`` is the text Athena shows as ``StateChangeReason`` and
``AthenaError.ErrorMessage``: ``<ERROR_NAME>: [line L:C: ]<text>``, the error name being Trino's
(``TABLE_NOT_FOUND``, ``COLUMN_NOT_FOUND``, ...) and ``line L:C`` the 1-based position in the
query text, as Trino reports it. ``error_category`` is Athena's (1 system, 2 user, 3 other);
``error_type`` is from Athena's error catalog (``docs/athena/latest/ug/error-reference``). The
only type observed on a real response is 1006 for ``COLUMN_NOT_FOUND``; the others are chosen
by the catalog's descriptions ("Provided table or view does not exist" for TABLE_NOT_FOUND).
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM, USER, OTHER = 1, 2, 3


@dataclass(frozen=True)
class ErrorKind:
    """One of Trino's error names with the category and type Athena reports for it."""

    name: str
    category: int
    type: int


# Analysis errors: the error catalog's 1006 "Syntax error" (observed for COLUMN_NOT_FOUND).
SYNTAX_ERROR = ErrorKind("SYNTAX_ERROR", USER, 1006)
COLUMN_NOT_FOUND = ErrorKind("COLUMN_NOT_FOUND", USER, 1006)
TYPE_MISMATCH = ErrorKind("TYPE_MISMATCH", USER, 1006)
AMBIGUOUS_NAME = ErrorKind("AMBIGUOUS_NAME", USER, 1006)
MISSING_COLUMN_NAME = ErrorKind("MISSING_COLUMN_NAME", USER, 1006)
EXPRESSION_NOT_AGGREGATE = ErrorKind("EXPRESSION_NOT_AGGREGATE", USER, 1006)
INVALID_PARAMETER_USAGE = ErrorKind("INVALID_PARAMETER_USAGE", USER, 1006)
# Catalog lookups: 1110 "Provided table or view does not exist", 1301 "General entity not
# found", 1303 "Provided function or function implementation not found".
TABLE_NOT_FOUND = ErrorKind("TABLE_NOT_FOUND", USER, 1110)
SCHEMA_NOT_FOUND = ErrorKind("SCHEMA_NOT_FOUND", USER, 1301)
CATALOG_NOT_FOUND = ErrorKind("CATALOG_NOT_FOUND", USER, 1301)
NOT_FOUND = ErrorKind("NOT_FOUND", USER, 1301)  # a prepared statement
FUNCTION_NOT_FOUND = ErrorKind("FUNCTION_NOT_FOUND", USER, 1303)
# Data and arguments: 1001 "Data error", 1106 "Invalid function argument provided",
# 1103 "Invalid table property provided".
INVALID_CAST_ARGUMENT = ErrorKind("INVALID_CAST_ARGUMENT", USER, 1001)
DIVISION_BY_ZERO = ErrorKind("DIVISION_BY_ZERO", USER, 1001)
NUMERIC_VALUE_OUT_OF_RANGE = ErrorKind("NUMERIC_VALUE_OUT_OF_RANGE", USER, 1001)
HIVE_CURSOR_ERROR = ErrorKind("HIVE_CURSOR_ERROR", USER, 1001)
HIVE_BAD_DATA = ErrorKind("HIVE_BAD_DATA", USER, 1001)
INVALID_FUNCTION_ARGUMENT = ErrorKind("INVALID_FUNCTION_ARGUMENT", USER, 1106)
INVALID_TABLE_PROPERTY = ErrorKind("INVALID_TABLE_PROPERTY", USER, 1103)
INVALID_VIEW = ErrorKind("INVALID_VIEW", USER, 1107)
HIVE_INVALID_PARTITION_VALUE = ErrorKind("HIVE_INVALID_PARTITION_VALUE", USER, 1100)
HIVE_PATH_ALREADY_EXISTS = ErrorKind("HIVE_PATH_ALREADY_EXISTS", USER, 1100)
HIVE_UNSUPPORTED_FORMAT = ErrorKind("HIVE_UNSUPPORTED_FORMAT", USER, 1201)
HIVE_EXCEEDED_PARTITION_LIMIT = ErrorKind("HIVE_EXCEEDED_PARTITION_LIMIT", USER, 1100)
HIVE_TOO_MANY_OPEN_PARTITIONS = ErrorKind("HIVE_TOO_MANY_OPEN_PARTITIONS", USER, 1100)
# 1200 "Query not supported"; 1500 "Permission error" (the sandbox); 1003 "DDL task failed".
NOT_SUPPORTED = ErrorKind("NOT_SUPPORTED", USER, 1200)
PERMISSION_DENIED = ErrorKind("PERMISSION_DENIED", USER, 1500)
DDL_FAILED = ErrorKind("FAILED", USER, 1003)
# 1306 "Amazon S3 bucket not found"; 1011 "Query canceled by user".
BUCKET_NOT_FOUND = ErrorKind("HIVE_PATH_NOT_FOUND", USER, 1306)
USER_CANCELED = ErrorKind("USER_CANCELED", USER, 1011)
EXCEEDED_SCAN_LIMIT = ErrorKind("EXCEEDED_SCAN_LIMIT", USER, 1011)
# Our own bugs: 200 "Query engine had an internal error".
GENERIC_INTERNAL_ERROR = ErrorKind("GENERIC_INTERNAL_ERROR", SYSTEM, 200)


class QueryFailed(Exception):
    """A statement that failed, described as Athena describes it."""

    def __init__(
        self,
        kind: ErrorKind,
        text: str,
        *,
        position: tuple[int, int] | None = None,
        data_scanned_bytes: int = 0,
        bare: bool = False,
    ) -> None:
        located = f"line {position[0]}:{position[1]}: {text}" if position else text
        message = located if bare else f"{kind.name}: {located}"
        super().__init__(message)
        self.kind = kind
        self.error_name = kind.name
        self.error_category = kind.category
        self.error_type = kind.type
        self.message = message
        self.state_change_reason = message
        self.position = position
        self.data_scanned_bytes = data_scanned_bytes


class QueryCancelled(QueryFailed):
    """The run was stopped (``cancel`` was set) or its scan exceeded the cutoff.

    Athena reports both as state CANCELLED; for the cutoff ``message`` is its reason, "Bytes
    scanned limit was exceeded", and the bytes scanned so far are still billed.
    """


def cancelled_by_user() -> QueryCancelled:
    return QueryCancelled(USER_CANCELED, "Query cancelled by user", bare=True)


def scan_limit_exceeded(scanned: int) -> QueryCancelled:
    return QueryCancelled(
        EXCEEDED_SCAN_LIMIT,
        "Bytes scanned limit was exceeded",
        data_scanned_bytes=scanned,
        bare=True,
    )


def ddl_failed(text: str) -> QueryFailed:
    """Athena runs DDL through Hive's DDL task; its failures read as Hive prints them."""
    return QueryFailed(
        DDL_FAILED,
        f"FAILED: Execution Error, return code 1 from "
        f"org.apache.hadoop.hive.ql.exec.DDLTask. {text}",
        bare=True,
    )


def semantic_failed(code: int, text: str) -> QueryFailed:
    """A Hive semantic-analysis failure of a DDL statement (``[Error 10001]`` and so on)."""
    return QueryFailed(DDL_FAILED, f"FAILED: SemanticException [Error {code}]: {text}", bare=True)


def position_in(query: str, offset: int) -> tuple[int, int]:
    """Trino's 1-based line and column of the character at ``offset`` of ``query``."""
    line = query.count("\n", 0, offset) + 1
    line_start = query.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1
