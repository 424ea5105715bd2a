"""Input validation against the service model, reported as AWS's Coral framework reports it.

AWS checks every constraint the model declares and answers one ``ValidationException`` listing
them all::

    2 validation errors detected: Value null at 'streamName' failed to satisfy constraint: Member
    must not be null; Value '0' at 'shardCount' failed to satisfy constraint: Member must have
    value greater than or equal to 1

Member paths are lower-camel-cased; list elements are ``records.1.member.partitionKey``
(1-based), map values ``tags.<key>.member``. Members bound to the URI, headers or query string are
named by their wire location name, as AWS names them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from lakehose.errors import ValidationException


@dataclass(frozen=True)
class Violation:
    path: str
    value: Any
    constraint: str

    def describe(self) -> str:
        return (
            f"Value {_render(self.value)} at '{self.path}' failed to satisfy constraint: "
            f"{self.constraint}"
        )


def validate(params: Mapping[str, Any], shape: StructureShape | None) -> list[Violation]:
    """Every constraint ``params`` break, in the order of the shape's members."""
    if shape is None:
        return []
    violations: list[Violation] = []
    _check_structure(params, shape, "", violations)
    return violations


def missing_members(params: Mapping[str, Any], shape: StructureShape | None) -> list[str]:
    """Top-level required members that are absent (for protocols that report them differently)."""
    if shape is None:
        return []
    return [name for name in shape.required_members if params.get(name) is None]


def validation_error(violations: list[Violation]) -> ValidationException:
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    details = "; ".join(v.describe() for v in violations)
    return ValidationException(f"{count} validation {noun} detected: {details}")


@dataclass(frozen=True)
class _Member:
    """What checking one structure member needs, worked out once per shape."""

    name: str
    shape: Shape
    segment: str  # the member's wire name, lower-camel-cased, as Coral prints paths
    required: bool
    constrained: bool  # whether its value (or anything inside it) has a constraint at all


_LIMITS = ("min", "max", "enum", "pattern")


@lru_cache(maxsize=4096)
def _members(shape: StructureShape) -> tuple[_Member, ...]:
    # botocore's shapes are cached by their models and hash by identity, so this runs once each.
    required = set(shape.required_members)
    plans = []
    for name, member in shape.members.items():
        wire = member.serialization.get("name", name)
        segment = wire[:1].lower() + wire[1:]
        plans.append(_Member(name, member, segment, name in required, _constrained(member)))
    return tuple(plans)


@lru_cache(maxsize=4096)
def _constrained(shape: Shape) -> bool:
    """Whether a value of ``shape`` can break any constraint (most scalars cannot)."""
    if any(limit in shape.metadata for limit in _LIMITS):
        return True
    # Nested shapes are checked by their own constraints; recursive shapes (documents,
    # DynamoDB's attribute values) are simply treated as constrained.
    return shape.type_name in ("structure", "list", "map")


def _check_structure(
    value: Mapping[str, Any], shape: StructureShape, path: str, out: list[Violation]
) -> None:
    for member in _members(shape):
        item = value.get(member.name)
        if item is None:
            if member.required:
                member_path = f"{path}.{member.segment}" if path else member.segment
                out.append(Violation(member_path, None, "Member must not be null"))
            continue
        if member.constrained:
            member_path = f"{path}.{member.segment}" if path else member.segment
            _check(item, member.shape, member_path, out)


def _check(value: Any, shape: Shape, path: str, out: list[Violation]) -> None:
    kind = shape.type_name
    metadata = shape.metadata
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        if isinstance(value, Mapping):
            _check_structure(value, shape, path, out)
        return
    if kind in ("list", "map", "blob"):
        _check_length(value, metadata, path, out)
    if kind == "list":
        assert isinstance(shape, ListShape)
        if not _constrained(shape.member):
            return
        for index, item in enumerate(value, start=1):
            if item is not None:
                _check(item, shape.member, f"{path}.{index}.member", out)
    elif kind == "map":
        assert isinstance(shape, MapShape)
        for key, item in value.items():
            _check(key, shape.key, f"{path}.{key}.key", out)
            if item is not None:
                _check(item, shape.value, f"{path}.{key}.member", out)
    elif kind == "string":
        enum = metadata.get("enum")
        if enum and value not in enum:
            allowed = ", ".join(enum)
            out.append(Violation(path, value, f"Member must satisfy enum value set: [{allowed}]"))
        pattern = metadata.get("pattern")
        if pattern and _compiled(pattern) is not None:
            compiled = _compiled(pattern)
            assert compiled is not None
            if compiled.fullmatch(value) is None:
                out.append(
                    Violation(
                        path, value, f"Member must satisfy regular expression pattern: {pattern}"
                    )
                )
        # Coral reports a string's pattern breach before its length breach.
        _check_length(value, metadata, path, out)
    elif kind in ("integer", "long", "float", "double"):
        _check_range(value, metadata, path, out)


def _check_length(value: Any, metadata: Mapping[str, Any], path: str, out: list[Violation]) -> None:
    size = len(value)
    minimum = metadata.get("min")
    maximum = metadata.get("max")
    if minimum is not None and size < minimum:
        out.append(
            Violation(path, value, f"Member must have length greater than or equal to {minimum}")
        )
    if maximum is not None and size > maximum:
        out.append(
            Violation(path, value, f"Member must have length less than or equal to {maximum}")
        )


def _check_range(value: Any, metadata: Mapping[str, Any], path: str, out: list[Violation]) -> None:
    minimum = metadata.get("min")
    maximum = metadata.get("max")
    if minimum is not None and value < minimum:
        out.append(
            Violation(path, value, f"Member must have value greater than or equal to {minimum}")
        )
    if maximum is not None and value > maximum:
        out.append(
            Violation(path, value, f"Member must have value less than or equal to {maximum}")
        )


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    """The model's Java regex in Python's dialect; ``None`` when Python cannot compile it."""
    translated = pattern.replace(r"\p{L}", "a-zA-Z\u00c0-\uffff").replace(r"\p{N}", "0-9")
    try:
        return re.compile(translated, re.DOTALL)
    except re.error:
        return None


def _render(value: Any) -> str:
    """How Coral prints a value: ``null``, bare numbers, quoted strings, Java-style collections."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "'true'" if value else "'false'"
    if isinstance(value, int | float | Decimal):
        return f"'{value}'"
    if isinstance(value, bytes | bytearray):
        return f"'java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]'"
    if isinstance(value, list):
        return "'[" + ", ".join(str(v) for v in value) + "]'"
    if isinstance(value, Mapping):
        return "'{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}'"
    return f"'{value}'"
