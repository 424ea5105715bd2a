"""Condition expressions (ConditionExpression, FilterExpression) and their parsed form."""

from __future__ import annotations

from dataclasses import dataclass

from lakehose.services.dynamodb.attributes import Item
from lakehose.services.dynamodb.expressions.checks import check_condition
from lakehose.services.dynamodb.expressions.context import ExpressionContext
from lakehose.services.dynamodb.expressions.diagnostics import CONDITION_ORDER, Diagnostics
from lakehose.services.dynamodb.expressions.evaluate import evaluate
from lakehose.services.dynamodb.expressions.nodes import (
    Call,
    CondNode,
    Operand,
    Path,
    children_of,
    operands_of,
)
from lakehose.services.dynamodb.expressions.parser import Parser, precheck


@dataclass(frozen=True)
class Condition:
    """A parsed condition; ``root`` None is the condition that always holds (no conditions)."""

    root: CondNode | None

    def evaluate(self, item: Item) -> bool:
        """Whether ``item`` (``{}`` for an item that does not exist) satisfies the condition."""
        return True if self.root is None else evaluate(self.root, item)

    def paths(self) -> list[Path]:
        """Every document path the condition reads, in source order."""
        found: list[Path] = []
        pending = [self.root] if self.root is not None else []
        while pending:
            node = pending.pop()
            found.extend(_operand_paths(operands_of(node)))
            pending.extend(reversed(children_of(node)))
        return found

    def top_level_names(self) -> list[str]:
        """The attributes the condition reads (engines reject key attributes in filters)."""
        return list(dict.fromkeys(path.head for path in self.paths()))


def _operand_paths(operands: tuple[Operand, ...]) -> list[Path]:
    found: list[Path] = []
    for operand in operands:
        if isinstance(operand, Path):
            found.append(operand)
        elif isinstance(operand, Call):
            found.extend(_operand_paths(operand.args))
    return found


def parse_condition_tree(text: str, ctx: ExpressionContext, label: str) -> CondNode:
    """Parse and statically check a condition, raising AWS's errors labelled ``label``."""
    precheck(text, label)
    diagnostics = Diagnostics(label)
    parser = Parser(text, ctx, diagnostics, for_update=False)
    root = parser.condition()
    parser.expect_end()
    check_condition(diagnostics, root)
    diagnostics.raise_first(CONDITION_ORDER)
    return root


def parse_condition(
    text: str, ctx: ExpressionContext, *, label: str = "ConditionExpression"
) -> Condition:
    """A ConditionExpression (or, with ``label="FilterExpression"``, a filter)."""
    return Condition(parse_condition_tree(text, ctx, label))
