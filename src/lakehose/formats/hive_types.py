"""Hive type strings, as Glue stores column types, and their Trino and Arrow forms.

Glue keeps a column's type as Hive DDL text (``struct<NewImage:struct<id:struct<S:string>>>``,
no spaces required, field names in any case). Hive parses it with ``TypeInfoUtils``: a token is
a run of letters, digits, ``_``, ``.`` and ``$`` (so a struct field may start with a digit),
every other character is a token of its own; map keys must be primitive (Hive language manual,
"MAP<primitive_type, data_type>"). Athena reads the type as a Trino type with every name
lower-cased (``row(newimage row(id row(s varchar)))``; Trino's Hive connector,
``HiveType.toTypeSignature``). Firehose's record format conversion reads the same text to build
the Parquet schema it writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

__all__ = ["HiveType", "HiveTypeError", "parse_hive_type"]

# Hive name -> Trino name. Aliases are folded by ``_CANONICAL``.
_TRINO: dict[str, str] = {
    "string": "varchar",
    "varchar": "varchar",
    "char": "char",
    "int": "integer",
    "bigint": "bigint",
    "smallint": "smallint",
    "tinyint": "tinyint",
    "double": "double",
    "float": "real",
    "boolean": "boolean",
    "binary": "varbinary",
    "date": "date",
    "timestamp": "timestamp(3)",
    "decimal": "decimal",
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
}
_COMPOUND = ("array", "map", "struct")
# TypeInfoUtils.isTypeChar: letters, digits, '_', '.', '$' (Python's \w: letters, digits, '_').
_TOKEN = re.compile(r"\s*(`[^`]*`|'[^']*'|(?i:double\s+precision)\b|[\w$.]+|[<>(),:])")


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
        return self.name not in _COMPOUND

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
        if self.name == "decimal":
            precision, scale = self.decimal()
            return f"decimal({precision},{scale})"
        base = _TRINO[self.name]
        if self.params and self.name in ("varchar", "char"):
            return f"{base}({self.params[0]})"
        return base

    def arrow(self, *, timestamp_unit: str = "us", lower_case_fields: bool = True) -> pa.DataType:
        """The Arrow type of the values.

        Athena's readers lower-case struct fields and keep microseconds (Athena's Hive
        timestamps are ``timestamp(3)``, truncated on read); Firehose writes fields as the Glue
        schema spells them and nanosecond timestamps (``timestamp_unit="ns"``).
        """

        def child(kind: HiveType) -> pa.DataType:
            return kind.arrow(timestamp_unit=timestamp_unit, lower_case_fields=lower_case_fields)

        if self.name == "array":
            return pa.list_(child(self.children[0]))
        if self.name == "map":
            return pa.map_(child(self.children[0]), child(self.children[1]))
        if self.name == "struct":
            names = self.field_names() if lower_case_fields else self.fields
            return pa.struct(
                [pa.field(n, child(t)) for n, t in zip(names, self.children, strict=True)]
            )
        if self.name == "decimal":
            return pa.decimal128(*self.decimal())
        if self.name == "timestamp":
            return pa.timestamp(timestamp_unit)
        return _ARROW[self.name]

    def decimal(self) -> tuple[int, int]:
        """Precision and scale; Hive's bare ``decimal`` is ``decimal(10,0)``."""
        precision = self.params[0] if self.params else 10
        scale = self.params[1] if len(self.params) > 1 else 0
        return precision, scale


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
    if name not in _TRINO:
        raise HiveTypeError(f"Error: type expected but '{tokens[position - 1]}' is found")
    params: list[int] = []
    if position < len(tokens) and tokens[position] == "(":
        position += 1
        while True:
            if position >= len(tokens) or not tokens[position].isdigit():
                raise HiveTypeError("Error: type parameter expected")
            params.append(int(tokens[position]))
            position += 1
            if position < len(tokens) and tokens[position] == ")":
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
        if position >= len(tokens):
            raise HiveTypeError("Error: field name expected but end of input is found")
        names.append(tokens[position].strip("`"))
        position = _expect(tokens, position + 1, ":")
        field_type, position = _parse(tokens, position)
        types.append(field_type)
        if position < len(tokens) and tokens[position].lower() == "comment":
            position += 2  # COMMENT 'text' is allowed on struct fields (CDK writes it)
    position = _expect(tokens, position, ">")
    return HiveType("struct", children=tuple(types), fields=tuple(names)), position
