"""Parquet files as a crawler classifies them: the footer's Arrow schema as Hive types.

Kept apart from ``inference`` so that pyarrow is imported only when a crawl meets Parquet.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from lakehose.services.glue.inference import (
    NULL,
    STRING,
    Array,
    FileSchema,
    HiveType,
    Map,
    Scalar,
    Struct,
)


def parquet_schema(data: bytes, compression: str) -> FileSchema | None:
    """The schema of a Parquet file's footer, or ``None`` when ``data`` is not Parquet."""
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
    except (pa.ArrowException, OSError):
        return None
    columns = {column.name: arrow_type(column.type) for column in parquet.schema_arrow}
    return FileSchema("parquet", compression, parquet.metadata.num_rows, columns)


_ARROW_SCALARS = (
    (pa.types.is_boolean, "boolean"),
    (pa.types.is_int8, "tinyint"),
    (pa.types.is_int16, "smallint"),
    (pa.types.is_uint8, "smallint"),
    (pa.types.is_int32, "int"),
    (pa.types.is_uint16, "int"),
    (pa.types.is_int64, "bigint"),
    (pa.types.is_uint32, "bigint"),
    (pa.types.is_uint64, "bigint"),
    (pa.types.is_float16, "float"),
    (pa.types.is_float32, "float"),
    (pa.types.is_float64, "double"),
    (pa.types.is_date, "date"),
    (pa.types.is_timestamp, "timestamp"),
    (pa.types.is_binary, "binary"),
    (pa.types.is_large_binary, "binary"),
    (pa.types.is_fixed_size_binary, "binary"),
)


def arrow_type(kind: pa.DataType) -> HiveType:
    """A Parquet column's Arrow type as the Hive type Glue records for it."""
    if pa.types.is_dictionary(kind):
        return arrow_type(kind.value_type)
    if pa.types.is_decimal(kind):
        return Scalar(f"decimal({kind.precision},{kind.scale})")
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return Array(arrow_type(kind.value_type))
    if pa.types.is_map(kind):
        return Map(arrow_type(kind.key_type), arrow_type(kind.item_type))
    if pa.types.is_struct(kind):
        return Struct(tuple((item.name, arrow_type(item.type)) for item in kind))
    if pa.types.is_null(kind):
        return NULL
    for test, name in _ARROW_SCALARS:
        if test(kind):
            return Scalar(name)
    return STRING  # strings, and types Hive lacks (time of day, intervals)
