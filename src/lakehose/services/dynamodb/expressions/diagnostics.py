"""Semantic errors found while parsing, raised in the order AWS reports them.

A syntax error stops parsing at once, as AWS's parser does. Semantic problems (reserved words,
unknown functions, undefined references, wrong operand types, overlapping paths) are only reported
once the whole expression has parsed, and when an expression has several, AWS reports them by
category in a fixed order that differs per expression kind (recorded in dynalite's parsers'
``checkErrors``). Within a category the first one found, in source order, wins.
"""

from __future__ import annotations

from collections.abc import Sequence

from lakehose.services.dynamodb.expressions.tokenizer import invalid

CONDITION_ORDER = ("function_name", "misuse", "reserved", "undefined", "operand")
UPDATE_ORDER = (
    "reserved",
    "function_name",
    "section",
    "undefined_name",
    "undefined_value",
    "overlap",
    "operand",
)
PROJECTION_ORDER = ("reserved", "undefined", "overlap")


class Diagnostics:
    """The first message of each category for one expression."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._first: dict[str, str] = {}

    def add(self, category: str, message: str) -> None:
        self._first.setdefault(category, message)

    def raise_first(self, order: Sequence[str]) -> None:
        for category in order:
            if category in self._first:
                raise invalid(self.label, self._first[category])
