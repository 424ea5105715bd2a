"""The PartiQL syntax tree: statements, and the expressions of their WHERE and SET clauses.

Literals are already attribute values (a list literal is an ``L``, a bag ``<<...>>`` a set), and
``?`` parameters are replaced by their values while parsing, so the tree needs no more input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

AttributeValue = dict[str, Any]
PathElement = str | int


@dataclass(frozen=True)
class Literal:
    value: AttributeValue


@dataclass(frozen=True)
class Ref:
    """A document path: an attribute name, then ``.name`` and ``[index]`` steps."""

    elements: tuple[PathElement, ...]

    def render(self) -> str:
        """The path as DynamoDB names a projected value: ``a.b[0]``."""
        text = str(self.elements[0])
        for element in self.elements[1:]:
            text += f"[{element}]" if isinstance(element, int) else f".{element}"
        return text


@dataclass(frozen=True)
class Func:
    name: str  # lower case
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Binary:
    op: str  # = <> < <= > >= + - AND OR
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Negation:
    operand: Expr


@dataclass(frozen=True)
class Range:
    """``subject [NOT] BETWEEN low AND high``."""

    subject: Expr
    low: Expr
    high: Expr
    negated: bool


@dataclass(frozen=True)
class Membership:
    """``subject [NOT] IN [options]``."""

    subject: Expr
    options: tuple[Expr, ...]
    negated: bool


@dataclass(frozen=True)
class TypeTest:
    """``subject IS [NOT] MISSING | NULL | <type>``."""

    subject: Expr
    type_name: str  # upper case
    negated: bool


Expr = Literal | Ref | Func | Binary | Negation | Range | Membership | TypeTest


@dataclass(frozen=True)
class Select:
    projection: tuple[Ref, ...] | None  # None is ``*``
    table: str
    index: str | None
    where: Expr | None
    order_by: tuple[tuple[str, bool], ...]  # (attribute, descending)


@dataclass(frozen=True)
class Insert:
    table: str
    item: AttributeValue  # an ``M``


@dataclass(frozen=True)
class Assignment:
    """``SET path = value``."""

    path: Ref
    value: Expr


@dataclass(frozen=True)
class Removal:
    """``REMOVE path``."""

    path: Ref


@dataclass(frozen=True)
class Update:
    table: str
    actions: tuple[Assignment | Removal, ...]
    where: Expr
    returning: str | None  # ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW


@dataclass(frozen=True)
class Delete:
    table: str
    where: Expr
    returning: str | None  # ALL_OLD


@dataclass(frozen=True)
class Exists:
    """``EXISTS(SELECT ...)``: a transaction's condition check."""

    select: Select


Statement = Select | Insert | Update | Delete | Exists


def is_read(statement: Statement) -> bool:
    return isinstance(statement, Select)
