"""Projection expressions (and AttributesToGet): choosing the parts of an item to return.

A projected path keeps its place in the document: ``a.b`` returns ``{"a": {"M": {"b": ...}}}``.
List elements picked by index are gathered into a new list in index order, without gaps, so
``a[3], a[1]`` returns ``a`` as ``[a[1], a[3]]``; paths that match nothing are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from lakehose.services.dynamodb.attributes import AttributeValue, Item, copy_value
from lakehose.services.dynamodb.expressions.checks import check_paths
from lakehose.services.dynamodb.expressions.context import ExpressionContext
from lakehose.services.dynamodb.expressions.diagnostics import PROJECTION_ORDER, Diagnostics
from lakehose.services.dynamodb.expressions.evaluate import resolve_path
from lakehose.services.dynamodb.expressions.nodes import Path
from lakehose.services.dynamodb.expressions.parser import Parser, precheck


class _Branch:
    """A document being assembled: map members by name, or list members by index."""

    __slots__ = ("children", "is_list")

    def __init__(self, is_list: bool) -> None:
        self.is_list = is_list
        self.children: dict[Any, _Branch | AttributeValue] = {}

    def child(self, key: Any, is_list: bool) -> _Branch:
        existing = self.children.get(key)
        if not isinstance(existing, _Branch):
            existing = self.children[key] = _Branch(is_list)
        return existing

    def build(self) -> AttributeValue:
        built = {
            key: value.build() if isinstance(value, _Branch) else value
            for key, value in self.children.items()
        }
        if self.is_list:
            return {"L": [built[index] for index in sorted(built)]}
        return {"M": built}


@dataclass(frozen=True)
class Projection:
    """The document paths to return, in the order written."""

    paths: tuple[Path, ...]

    def apply(self, item: Item) -> Item:
        """The projected copy of ``item``."""
        root = _Branch(is_list=False)
        for path in self.paths:
            value = resolve_path(item, path)
            if value is None:
                continue
            branch = root
            elements = path.elements
            for element, following in pairwise(elements):
                branch = branch.child(element, isinstance(following, int))
            branch.children[elements[-1]] = copy_value(value)
        built = root.build()["M"]
        assert isinstance(built, dict)
        return built

    def top_level_names(self) -> list[str]:
        """The attributes the projection reads from, in order, without repeats."""
        return list(dict.fromkeys(path.head for path in self.paths))


def parse_projection(text: str, ctx: ExpressionContext) -> Projection:
    """A ProjectionExpression, checked as AWS checks it."""
    label = "ProjectionExpression"
    precheck(text, label)
    diagnostics = Diagnostics(label)
    parser = Parser(text, ctx, diagnostics, for_update=False)
    paths = parser.projection()
    parser.expect_end()
    check_paths(diagnostics, paths)
    diagnostics.raise_first(PROJECTION_ORDER)
    return Projection(tuple(paths))
