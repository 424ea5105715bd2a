"""Update expressions (SET / REMOVE / ADD / DELETE) and applying them to an item.

Every value an update reads is read from the item as it was before the update, and every list
index refers to the list as it was: ``REMOVE a[0], a[1]`` removes the first two elements, and
``SET a[1] = :x REMOVE a[0]`` replaces the old second element and drops the first. So values are
computed first, then replacements are made, then removals (highest index first), and elements
written beyond a list's end are appended last, in index order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from typing import Any, cast

from lakehose.errors import ValidationException
from lakehose.services.dynamodb.attributes import (
    SET_TYPES,
    AttributeValue,
    Item,
    copy_item,
    copy_value,
    normalize_number,
    number_error,
    set_contains,
    type_of,
)
from lakehose.services.dynamodb.expressions.checks import check_update
from lakehose.services.dynamodb.expressions.context import ExpressionContext
from lakehose.services.dynamodb.expressions.diagnostics import UPDATE_ORDER, Diagnostics
from lakehose.services.dynamodb.expressions.evaluate import resolve_path
from lakehose.services.dynamodb.expressions.nodes import (
    Arithmetic,
    Call,
    Path,
    SetValue,
    UpdateAction,
    Value,
)
from lakehose.services.dynamodb.expressions.parser import Parser, precheck
from lakehose.services.dynamodb.expressions.projection import Projection

WRONG_TYPE = "An operand in the update expression has an incorrect data type"
LEGACY_WRONG_TYPE = "Type mismatch for attribute to update"
MISSING = "The provided expression refers to an attribute that does not exist in the item"
BAD_PATH = "The document path provided in the update expression is invalid for update"
# Exact sums: operands have at most 38 digits within 1E-130 .. 1E+126, so 300 digits never round.
_EXACT = Context(prec=300)

Container = dict[Any, AttributeValue] | list[AttributeValue]


def _path_key(path: Path) -> tuple[tuple[int, Any], ...]:
    return tuple((1, e) if isinstance(e, int) else (0, e) for e in path.elements)


def _number(op: str, left: str, right: str) -> AttributeValue:
    with localcontext(_EXACT):
        result = Decimal(left) + Decimal(right) if op == "+" else Decimal(left) - Decimal(right)
    text = normalize_number(str(result))
    error = number_error(text)
    if error:
        raise ValidationException(error)
    return {"N": text}


def _required(value: SetValue, item: Item) -> AttributeValue:
    """A SET value for ``item``; AWS rejects the update if it refers to nothing."""
    if isinstance(value, Value):
        assert value.value is not None
        return copy_value(value.value)
    if isinstance(value, Path):
        found = resolve_path(item, value)
        if found is None:
            raise ValidationException(MISSING)
        return copy_value(found)
    if isinstance(value, Arithmetic):
        left, right = _required(value.left, item), _required(value.right, item)
        if type_of(left) != "N" or type_of(right) != "N":
            raise ValidationException(WRONG_TYPE)
        return _number(value.op, left["N"], right["N"])
    return _call(value, item)


def _call(call: Call, item: Item) -> AttributeValue:
    first, second = call.args
    if call.name == "if_not_exists":
        assert isinstance(first, Path)
        found = resolve_path(item, first)
        return copy_value(found) if found is not None else _required(second, item)
    head, tail = _required(first, item), _required(second, item)  # list_append
    if type_of(head) != "L" or type_of(tail) != "L":
        raise ValidationException(WRONG_TYPE)
    return {"L": head["L"] + tail["L"]}


def _container(item: Item, path: Path) -> Container:
    """The map or list that holds ``path``'s last element, inside ``item`` itself."""
    if len(path.elements) == 1:
        return item
    parent = resolve_path(item, Path.of(*path.elements[:-1]))
    wanted = "L" if isinstance(path.elements[-1], int) else "M"
    if parent is None or wanted not in parent:
        raise ValidationException(BAD_PATH)
    return cast(Container, parent[wanted])


def _get(container: Container, key: Any) -> AttributeValue | None:
    if isinstance(container, list):
        return container[key] if key < len(container) else None
    return container.get(key)


class _Edits:
    """The writes of one update, deferred so that list indexes keep meaning the old list.

    Replacements happen in place at once; removals then run highest index first, and elements
    written beyond a list's end are appended last, in index order, as DynamoDB appends them.
    """

    def __init__(self) -> None:
        self._removals: list[tuple[Path, Container, Any]] = []
        self._appends: list[tuple[Path, list[AttributeValue], AttributeValue]] = []

    def put(self, path: Path, container: Container, key: Any, value: AttributeValue) -> None:
        if isinstance(container, list) and key >= len(container):
            self._appends.append((path, container, value))
        else:
            container[key] = value

    def remove(self, path: Path, container: Container, key: Any) -> None:
        self._removals.append((path, container, key))

    def finish(self) -> None:
        for _path, container, key in sorted(
            self._removals, key=lambda r: _path_key(r[0]), reverse=True
        ):
            if isinstance(container, list):
                if key < len(container):
                    del container[key]
            else:
                container.pop(key, None)
        for _path, members, value in sorted(self._appends, key=lambda a: _path_key(a[0])):
            members.append(value)


def _same_members(kind: str, members: list[Any]) -> list[Any]:
    return [normalize_number(m) for m in members] if kind == "NS" else members


def _add(existing: AttributeValue | None, value: AttributeValue, mismatch: str) -> AttributeValue:
    kind = type_of(value)
    if existing is None:
        return copy_value(value)
    if type_of(existing) != kind:
        raise ValidationException(mismatch)
    if kind == "N":
        return _number("+", existing["N"], value["N"])
    element = SET_TYPES[kind]
    added = [m for m in value[kind] if not set_contains(existing, {element: m})]
    return {kind: [*existing[kind], *added]}


def _delete(existing: AttributeValue, value: AttributeValue, mismatch: str) -> list[Any]:
    kind = type_of(value)
    if type_of(existing) != kind:
        raise ValidationException(mismatch)
    removed = set(_same_members(kind, value[kind]))
    return [
        m
        for m, same in zip(existing[kind], _same_members(kind, existing[kind]), strict=True)
        if same not in removed
    ]


@dataclass(frozen=True)
class UpdatePlan:
    """A parsed update: its actions in the order written."""

    actions: tuple[UpdateAction, ...]

    def paths(self) -> list[Path]:
        return [action.path for action in self.actions]

    def updated_paths(self) -> list[str]:
        """The top-level attributes the update touches, in order (key checks use these)."""
        return list(dict.fromkeys(path.head for path in self.paths()))

    @property
    def updated_attribute_names(self) -> list[str]:
        return self.updated_paths()

    def project_updated(self, item: Item) -> Item:
        """What ReturnValues UPDATED_OLD / UPDATED_NEW return from the old / new item.

        AWS returns only the updated document paths, nested as in the item (``SET a.b = :v``
        returns ``{"a": {"M": {"b": ...}}}``), as a projection of those paths: an element
        appended beyond a list's end is therefore not returned, a removed one is not either.
        """
        return Projection(tuple(self.paths())).apply(item)

    def apply(self, item: Item) -> Item:
        """The item after the update; ``item`` itself is left untouched."""
        values = {
            index: _required(action.value, item)
            for index, action in enumerate(self.actions)
            if action.kind == "SET" and action.value is not None
        }
        result = copy_item(item)
        edits = _Edits()
        for index, action in enumerate(self.actions):
            container = _container(result, action.path)
            key = action.path.elements[-1]
            if action.kind == "REMOVE":
                edits.remove(action.path, container, key)
            elif action.kind == "SET":
                edits.put(action.path, container, key, values[index])
            else:
                _modify(action, container, key, edits)
        edits.finish()
        return result


def _modify(action: UpdateAction, container: Container, key: Any, edits: _Edits) -> None:
    """ADD, DELETE and the legacy list APPEND, which combine the new value with the old."""
    assert isinstance(action.value, Value) and action.value.value is not None
    value = action.value.value
    mismatch = LEGACY_WRONG_TYPE if action.legacy else WRONG_TYPE
    existing = _get(container, key)
    if action.kind == "ADD":
        edits.put(action.path, container, key, _add(existing, value, mismatch))
    elif action.kind == "APPEND":
        if existing is not None and type_of(existing) != "L":
            raise ValidationException(mismatch)
        members = [*(existing or {"L": []})["L"], *copy_value(value)["L"]]
        edits.put(action.path, container, key, {"L": members})
    elif existing is not None:  # DELETE from a missing set does nothing
        remaining = _delete(existing, value, mismatch)
        if remaining:
            edits.put(action.path, container, key, {type_of(value): remaining})
        else:
            edits.remove(action.path, container, key)  # a set is never empty


def parse_update(text: str, ctx: ExpressionContext) -> UpdatePlan:
    """An UpdateExpression, checked as AWS checks it before reading the item."""
    label = "UpdateExpression"
    precheck(text, label)
    diagnostics = Diagnostics(label)
    parser = Parser(text, ctx, diagnostics, for_update=True)
    actions = parser.update()
    check_update(diagnostics, actions)
    diagnostics.raise_first(UPDATE_ORDER)
    return UpdatePlan(tuple(actions))
