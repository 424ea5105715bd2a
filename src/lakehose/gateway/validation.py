"""Input validation against the service model, reported as AWS's Coral framework reports it.

AWS checks every constraint the model declares and answers one ``ValidationException`` listing
them all::

    2 validation errors detected: Value null at 'streamName' failed to satisfy constraint: Member
    must not be null; Value '0' at 'shardCount' failed to satisfy constraint: Member must have
    value greater than or equal to 1

Member paths are lower-camel-cased; list elements are ``records.1.member.partitionKey``
(1-based), map values ``tags.<key>.member``. Members bound to the URI, headers or query string are
named by their wire location name, as AWS names them. Violations are listed in member declaration
order, a value's pattern breach before its length breach (AWS's own order is not stable between
requests: dynalite's AWS-recorded tests compare the list as a set).

Two bounds keep a request from costing unbounded time:

- A model pattern sees at most the shape's maximum length. Some model patterns backtrack
  polynomially (DynamoDB's ``S3Bucket``, ``^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$``, takes
  seconds on a few kilobytes), so a longer value is matched only when its pattern is one that
  Python's engine runs in linear time; otherwise only its length breach is reported.
- The walk stops at ``MAX_DECODE_DEPTH`` containers, where the decoder stops converting too.
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
from lakehose.formats.pattern_cost import linear_time
from lakehose.gateway.protocols.json_shapes import MAX_DECODE_DEPTH


@dataclass(frozen=True)
class Violation:
    path: str
    value: Any
    constraint: str
    shape: Shape | None = None

    def describe(self) -> str:
        return (
            f"Value {_render(self.value, self.shape)} at '{self.path}' failed to satisfy "
            f"constraint: {self.constraint}"
        )


def validate(
    params: Mapping[str, Any],
    shape: StructureShape | None,
    also_required: frozenset[str] = frozenset(),
) -> list[Violation]:
    """Every constraint ``params`` break, in the order of the shape's members.

    ``also_required`` names top-level members to treat as required although the installed model
    does not mark them so: AWS relaxes a model's ``required`` when an alternative appears (newer
    models make CreateTable's ``KeySchema`` optional for ``GlobalTableSourceArn``), while the
    service still requires them otherwise and answers Coral's "must not be null".
    """
    if shape is None:
        return []
    violations: list[Violation] = []
    _check_structure(params, shape, "", violations, 0, also_required)
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
    value: Mapping[str, Any],
    shape: StructureShape,
    path: str,
    out: list[Violation],
    depth: int,
    also_required: frozenset[str] = frozenset(),
) -> None:
    for member in _members(shape):
        item = value.get(member.name)
        if item is None:
            if member.required or member.name in also_required:
                member_path = f"{path}.{member.segment}" if path else member.segment
                out.append(Violation(member_path, None, "Member must not be null"))
            continue
        if member.constrained:
            member_path = f"{path}.{member.segment}" if path else member.segment
            _check(item, member.shape, member_path, out, depth + 1)


def _check(value: Any, shape: Shape, path: str, out: list[Violation], depth: int) -> None:
    kind = shape.type_name
    metadata = shape.metadata
    if depth > MAX_DECODE_DEPTH:
        return  # left undecoded by the decoder too; the engine's nesting limit answers
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        if isinstance(value, Mapping):
            _check_structure(value, shape, path, out, depth)
        return
    if kind in ("list", "map", "blob"):
        _check_length(value, shape, path, out)
    if kind == "list":
        assert isinstance(shape, ListShape)
        if not _constrained(shape.member):
            return
        for index, item in enumerate(value, start=1):
            if item is not None:
                _check(item, shape.member, f"{path}.{index}.member", out, depth + 1)
    elif kind == "map":
        assert isinstance(shape, MapShape)
        for key, item in value.items():
            _check(key, shape.key, f"{path}.{key}.key", out, depth + 1)
            if item is not None:
                _check(item, shape.value, f"{path}.{key}.member", out, depth + 1)
    elif kind == "string":
        enum = metadata.get("enum")
        if enum and value not in enum:
            allowed = ", ".join(enum)
            out.append(Violation(path, value, f"Member must satisfy enum value set: [{allowed}]"))
        pattern = metadata.get("pattern")
        if pattern and _breaks_pattern(value, pattern, metadata.get("max")):
            out.append(
                Violation(path, value, f"Member must satisfy regular expression pattern: {pattern}")
            )
        # Coral reports a string's pattern breach before its length breach.
        _check_length(value, shape, path, out)
    elif kind in ("integer", "long", "float", "double"):
        _check_range(value, metadata, path, out)


# What a pattern may see of a value whose shape declares no maximum length, unless it is linear.
UNBOUNDED_SUBJECT = 512


def pattern_subject_allowed(value: str, compiled: re.Pattern[str], maximum: int | None) -> bool:
    """Whether ``value`` may be handed to ``compiled`` at all (see the module docstring).

    Within the shape's maximum length (or ``UNBOUNDED_SUBJECT`` when it has none) the cost is
    bounded by the model; past it only patterns that run in linear time are matched.
    """
    if len(value) <= (UNBOUNDED_SUBJECT if maximum is None else maximum):
        return True
    return linear_time(compiled.pattern)


def _breaks_pattern(value: str, pattern: str, maximum: int | None) -> bool:
    compiled = _compiled(pattern)
    if compiled is None or not pattern_subject_allowed(value, compiled, maximum):
        return False
    return compiled.fullmatch(value) is None


def _check_length(value: Any, shape: Shape, path: str, out: list[Violation]) -> None:
    size = len(value)
    minimum = shape.metadata.get("min")
    maximum = shape.metadata.get("max")
    if minimum is not None and size < minimum:
        out.append(
            Violation(
                path, value, f"Member must have length greater than or equal to {minimum}", shape
            )
        )
    if maximum is not None and size > maximum:
        out.append(
            Violation(
                path, value, f"Member must have length less than or equal to {maximum}", shape
            )
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


def _render(value: Any, shape: Shape | None = None) -> str:
    """How Coral prints a value: ``null``, else Java's ``toString`` of it in quotes."""
    if value is None:
        return "null"
    return f"'{_java_string(value, shape, 0)}'"


def _java_string(value: Any, shape: Shape | None, depth: int) -> str:
    """Java's ``toString``: ``[a, b]`` lists, ``{k=v}`` maps, ``Shape(member=value)`` structures.

    A structure prints every member in declaration order, ``null`` when absent (moto's tests
    record ``KeySchemaElement(attributeName=UUID, keyType=HASH)``).
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes | bytearray):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if depth > MAX_DECODE_DEPTH:
        return "..."
    if isinstance(value, list):
        member = shape.member if isinstance(shape, ListShape) else None
        return "[" + ", ".join(_java_string(v, member, depth + 1) for v in value) + "]"
    if isinstance(value, Mapping):
        if isinstance(shape, StructureShape):
            fields = ", ".join(
                f"{plan.segment}={_java_string(value.get(plan.name), plan.shape, depth + 1)}"
                for plan in _members(shape)
            )
            return f"{shape.name}({fields})"
        item = shape.value if isinstance(shape, MapShape) else None
        pairs = (f"{k}={_java_string(v, item, depth + 1)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return str(value)
