"""Hive type strings, as Glue stores column types, and their Trino, DuckDB and Arrow forms.

Glue keeps a column's type as Hive DDL text (``struct<NewImage:struct<id:struct<S:string>>>``,
no spaces required, field names in any case). Athena reads it as a Trino type with every name
lower-cased (``row(newimage row(id row(s varchar)))``). Relations hand DuckDB the lower-cased
form too, so that struct values render with Athena's field names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

# Hive name -> (Trino name, DuckDB name). Aliases are folded by ``_CANONICAL``.
_PRIMITIVES: dict[str, tuple[str, str]] = {
    "string": ("varchar", "VARCHAR"),
    "varchar": ("varchar", "VARCHAR"),
    "char": ("char", "VARCHAR"),
    "int": ("integer", "INTEGER"),
    "bigint": ("bigint", "BIGINT"),
    "smallint": ("smallint", "SMALLINT"),
    "tinyint": ("tinyint", "TINYINT"),
    "double": ("double", "DOUBLE"),
    "float": ("real", "FLOAT"),
    "boolean": ("boolean", "BOOLEAN"),
    "binary": ("varbinary", "BLOB"),
    "date": ("date", "DATE"),
    "timestamp": ("timestamp(3)", "TIMESTAMP"),
    "decimal": ("decimal", "DECIMAL"),
}
_CANONICAL = {
    "integer": "int",
    "real": "float",
    "double precision": "double",
    "bool": "boolean",
    "varbinary": "binary",
    "numeric": "decimal",
}
_ARROW: dict[str, pa.DataType] = {
    "string": pa.string(),
    "varchar": pa.string(),
    "char": pa.string(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "smallint": pa.int16(),
    "tinyint": pa.int8(),
    "double": pa.float64(),
    "float": pa.float32(),
    "boolean": pa.bool_(),
    "binary": pa.binary(),
    "date": pa.date32(),
    # Athena's Hive timestamps are timestamp(3); values are truncated to milliseconds on read.
    "timestamp": pa.timestamp("us"),
}
_TOKEN = re.compile(r"\s*(`[^`]*`|[A-Za-z_][A-Za-z0-9_$.]*(?:\s+precision)?|\d+|[<>(),:]|'[^']*')")


class HiveTypeError(ValueError):
    """A type string Hive would not accept."""


@dataclass(frozen=True)
class HiveType:
    """A parsed Hive type: a primitive with parameters, or an array, map or struct."""

    name: str  # canonical lower-case Hive name: int, string, decimal, array, map, struct, ...
    params: tuple[int, ...] = ()
    children: tuple[HiveType, ...] = ()  # array: (element,); map: (key, value); struct: fields
    fields: tuple[str, ...] = ()  # struct field names as written

    @property
    def is_primitive(self) -> bool:
        return self.name not in ("array", "map", "struct")

    def field_names(self) -> tuple[str, ...]:
        """Struct field names as Athena sees them: lower-cased."""
        return tuple(name.lower() for name in self.fields)

    def hive(self) -> str:
        """The canonical Hive text, as Glue would store it."""
        if self.name == "array":
            return f"array<{self.children[0].hive()}>"
        if self.name == "map":
            return f"map<{self.children[0].hive()},{self.children[1].hive()}>"
        if self.name == "struct":
            inner = ",".join(
                f"{n}:{t.hive()}" for n, t in zip(self.fields, self.children, strict=False)
            )
            return f"struct<{inner}>"
        return self.name + (f"({','.join(map(str, self.params))})" if self.params else "")

    def trino(self) -> str:
        """The Trino type signature Athena shows (``row(a integer, b varchar)``)."""
        if self.name == "array":
            return f"array({self.children[0].trino()})"
        if self.name == "map":
            return f"map({self.children[0].trino()}, {self.children[1].trino()})"
        if self.name == "struct":
            inner = ", ".join(
                f"{n} {t.trino()}" for n, t in zip(self.field_names(), self.children, strict=False)
            )
            return f"row({inner})"
        base = _PRIMITIVES[self.name][0]
        if self.name == "decimal":
            precision, scale = self.decimal()
            return f"decimal({precision},{scale})"
        if self.params and self.name in ("varchar", "char"):
            return f"{base}({self.params[0]})"
        return base

    def duckdb(self) -> str:
        """The DuckDB type, struct fields lower-cased."""
        if self.name == "array":
            return f"{self.children[0].duckdb()}[]"
        if self.name == "map":
            return f"MAP({self.children[0].duckdb()}, {self.children[1].duckdb()})"
        if self.name == "struct":
            inner = ", ".join(
                f"{quote(n)} {t.duckdb()}"
                for n, t in zip(self.field_names(), self.children, strict=False)
            )
            return f"STRUCT({inner})"
        if self.name == "decimal":
            precision, scale = self.decimal()
            return f"DECIMAL({precision},{scale})"
        return _PRIMITIVES[self.name][1]

    def arrow(self) -> pa.DataType:
        """The Arrow type the readers build, struct fields lower-cased."""
        if self.name == "array":
            return pa.list_(self.children[0].arrow())
        if self.name == "map":
            return pa.map_(self.children[0].arrow(), self.children[1].arrow())
        if self.name == "struct":
            return pa.struct(
                [
                    pa.field(n, t.arrow())
                    for n, t in zip(self.field_names(), self.children, strict=False)
                ]
            )
        if self.name == "decimal":
            return pa.decimal128(*self.decimal())
        return _ARROW[self.name]

    def decimal(self) -> tuple[int, int]:
        """Precision and scale; Hive's bare ``decimal`` is ``decimal(10,0)``."""
        precision = self.params[0] if self.params else 10
        scale = self.params[1] if len(self.params) > 1 else 0
        return precision, scale


def quote(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def parse_hive_type(text: str) -> HiveType:
    """Parse Hive type text; raises ``HiveTypeError`` for anything Hive would refuse."""
    tokens = _tokenize(text)
    parsed, position = _parse(tokens, 0)
    if position != len(tokens):
        raise HiveTypeError(f"Error: type expected at the end of '{text}'")
    return parsed


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None:
            raise HiveTypeError(f"Error: type expected at the position {position} of '{text}'")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def _expect(tokens: list[str], position: int, token: str) -> int:
    if position >= len(tokens) or tokens[position] != token:
        found = tokens[position] if position < len(tokens) else "end of input"
        raise HiveTypeError(f"Error: '{token}' expected but '{found}' is found")
    return position + 1


def _parse(tokens: list[str], position: int) -> tuple[HiveType, int]:
    if position >= len(tokens):
        raise HiveTypeError("Error: type expected but end of input is found")
    word = " ".join(tokens[position].lower().split())
    name = _CANONICAL.get(word, word)
    position += 1
    if name == "array":
        position = _expect(tokens, position, "<")
        element, position = _parse(tokens, position)
        return HiveType("array", children=(element,)), _expect(tokens, position, ">")
    if name == "map":
        position = _expect(tokens, position, "<")
        key, position = _parse(tokens, position)
        position = _expect(tokens, position, ",")
        value, position = _parse(tokens, position)
        if not key.is_primitive:
            raise HiveTypeError("Error: map keys must be a primitive type")
        return HiveType("map", children=(key, value)), _expect(tokens, position, ">")
    if name == "struct":
        return _parse_struct(tokens, _expect(tokens, position, "<"))
    if name not in _PRIMITIVES:
        raise HiveTypeError(f"Error: type expected but '{tokens[position - 1]}' is found")
    params: list[int] = []
    if position < len(tokens) and tokens[position] == "(":
        position += 1
        while True:
            if position >= len(tokens) or not tokens[position].isdigit():
                raise HiveTypeError("Error: type parameter expected")
            params.append(int(tokens[position]))
            position += 1
            if tokens[position] == ")":
                position += 1
                break
            position = _expect(tokens, position, ",")
    return HiveType(name, params=tuple(params)), position


def _parse_struct(tokens: list[str], position: int) -> tuple[HiveType, int]:
    names: list[str] = []
    types: list[HiveType] = []
    while position < len(tokens) and tokens[position] != ">":
        if names:
            position = _expect(tokens, position, ",")
        names.append(tokens[position].strip("`"))
        position = _expect(tokens, position + 1, ":")
        field_type, position = _parse(tokens, position)
        types.append(field_type)
        if position < len(tokens) and tokens[position].lower() == "comment":
            position += 2  # COMMENT 'text' is allowed on struct fields (CDK writes it)
    position = _expect(tokens, position, ">")
    return HiveType("struct", children=tuple(types), fields=tuple(names)), position
