"""The expression syntax tree, shared by condition, update, projection and key expressions.

Names and values are resolved while parsing: a ``Path`` holds the real attribute names and
remembers which ``#alias`` produced each one, a ``Value`` holds the attribute value and its
``:ref``, so a tree renders back to an equivalent expression (``render.py``) and evaluates without
the request's maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

AttributeValue = dict[str, Any]
PathElement = str | int


@dataclass(frozen=True)
class Path:
    """A document path: an attribute name, then ``.name`` and ``[index]`` steps."""

    elements: tuple[PathElement, ...]
    aliases: tuple[str | None, ...] = ()  # the ``#alias`` behind each element, if any

    @property
    def head(self) -> str:
        head = self.elements[0]
        assert isinstance(head, str)
        return head

    def describe(self) -> str:
        """AWS's rendering in messages: ``[a, b, [2]]``."""
        return "[" + ", ".join(f"[{e}]" if isinstance(e, int) else e for e in self.elements) + "]"

    @classmethod
    def of(cls, *elements: PathElement) -> Path:
        """A path written without aliases (for legacy parameters and tests)."""
        return cls(elements, (None,) * len(elements))


@dataclass(frozen=True)
class Value:
    """An ``ExpressionAttributeValues`` reference; ``value`` is None only if undefined."""

    ref: str
    value: AttributeValue | None


@dataclass(frozen=True)
class Call:
    """A function call: ``size(a)``, ``if_not_exists(a, :v)``, ..."""

    name: str
    args: tuple[Operand, ...]


@dataclass(frozen=True)
class Arithmetic:
    """``left + right`` or ``left - right`` (SET values only)."""

    op: Literal["+", "-"]
    left: Operand
    right: Operand


Operand = Path | Value | Call
SetValue = Operand | Arithmetic


@dataclass(frozen=True)
class Comparison:
    op: str  # = <> < <= > >=
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Between:
    subject: Operand
    low: Operand
    high: Operand


@dataclass(frozen=True)
class In:
    subject: Operand
    options: tuple[Operand, ...]


@dataclass(frozen=True)
class FunctionCondition:
    call: Call


@dataclass(frozen=True)
class And:
    left: CondNode
    right: CondNode


@dataclass(frozen=True)
class Or:
    left: CondNode
    right: CondNode


@dataclass(frozen=True)
class Not:
    operand: CondNode


CondNode = Comparison | Between | In | FunctionCondition | And | Or | Not

ActionKind = Literal["SET", "REMOVE", "ADD", "DELETE", "APPEND"]


@dataclass(frozen=True)
class UpdateAction:
    """One clause of an update.

    ``APPEND`` exists only for the legacy ``AttributeUpdates`` ADD of a list; ``legacy`` selects
    the legacy runtime message ("Type mismatch for attribute to update").
    """

    kind: ActionKind
    path: Path
    value: SetValue | None = None
    legacy: bool = False


def operands_of(node: CondNode) -> tuple[Operand, ...]:
    """The operands a leaf condition compares (empty for And / Or / Not)."""
    if isinstance(node, Comparison):
        return (node.left, node.right)
    if isinstance(node, Between):
        return (node.subject, node.low, node.high)
    if isinstance(node, In):
        return (node.subject, *node.options)
    if isinstance(node, FunctionCondition):
        return node.call.args
    return ()


def children_of(node: CondNode) -> tuple[CondNode, ...]:
    if isinstance(node, And | Or):
        return (node.left, node.right)
    if isinstance(node, Not):
        return (node.operand,)
    return ()
