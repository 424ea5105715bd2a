"""Property tests: parse(render(tree)) == tree, numbers agree with Decimal, updates never mutate."""

from __future__ import annotations

import contextlib
import copy
from decimal import Context, Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakehose.errors import ValidationException
from lakehose.services.dynamodb.attributes import (
    compare_values,
    item_size,
    normalize_number,
    number_error,
    validate_item,
    values_equal,
)
from lakehose.services.dynamodb.expressions import (
    ExpressionContext,
    parse_condition,
    parse_projection,
    parse_update,
    projection_from_attributes_to_get,
)
from lakehose.services.dynamodb.expressions.nodes import (
    And,
    Arithmetic,
    Between,
    Call,
    Comparison,
    CondNode,
    FunctionCondition,
    In,
    Not,
    Operand,
    Or,
    Path,
    SetValue,
    UpdateAction,
    Value,
)
from lakehose.services.dynamodb.expressions.render import (
    render_condition,
    render_projection,
    render_update,
)
from lakehose.services.dynamodb.expressions.reserved_words import is_reserved
from lakehose.services.dynamodb.expressions.tokenizer import KEYWORDS

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Whole random items are costly to draw; fewer of them keep the suite quick.
ITEMS = settings(FAST, max_examples=50)

# ------------------------------------------------------------------------------------- values

texts = st.text(max_size=6)
numbers = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.decimals(min_value=-(10**6), max_value=10**6, places=4, allow_nan=False).map(str),
)
binaries = st.binary(max_size=6)


def _unique_numbers(values: list[str]) -> list[str]:
    return list({normalize_number(v): v for v in values}.values())


scalars = st.one_of(
    texts.map(lambda s: {"S": s}),
    numbers.map(lambda n: {"N": n}),
    binaries.map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(texts, min_size=1, max_size=3, unique=True).map(lambda m: {"SS": m}),
    st.lists(numbers, min_size=1, max_size=3).map(lambda m: {"NS": _unique_numbers(m)}),
    st.lists(binaries, min_size=1, max_size=3, unique=True).map(lambda m: {"BS": m}),
)
attribute_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda m: {"L": m}),
        st.dictionaries(texts, inner, max_size=3).map(lambda m: {"M": m}),
    ),
    max_leaves=8,
)
items = st.dictionaries(st.text(min_size=1, max_size=6), attribute_values, max_size=5)

# ------------------------------------------------------------------------------- expressions

identifiers = st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True).filter(
    lambda word: not is_reserved(word) and word.upper() not in KEYWORDS
)
# Aliases stand for arbitrary names, including ones with dots or that are reserved words.
ALIASES = {f"#a{i}": name for i, name in enumerate(["a.b", "Comment", "x y", "é", ""])}
TYPED: dict[str, dict[str, Any]] = {
    ":s": {"S": "s"},
    ":s2": {"S": "t"},
    ":n": {"N": "1"},
    ":lo": {"N": "-5"},
    ":hi": {"N": "5.5"},
    ":b": {"B": b"\x00"},
    ":t": {"S": "SS"},
    ":l": {"L": [{"S": "x"}]},
    ":ss": {"SS": ["a"]},
    ":m": {"M": {"k": {"NULL": True}}},
}


@st.composite
def paths(draw: st.DrawFn, head: str | None = None) -> Path:
    elements: list[str | int] = []
    aliases: list[str | None] = []
    for index in range(draw(st.integers(1, 3))):
        if index and draw(st.booleans()):
            elements.append(draw(st.integers(0, 12)))
            aliases.append(None)
        elif index == 0 and head is not None:
            elements.append(head)
            aliases.append(None)
        elif draw(st.booleans()):
            alias = draw(st.sampled_from(sorted(ALIASES)))
            elements.append(ALIASES[alias])
            aliases.append(alias)
        else:
            elements.append(draw(identifiers))
            aliases.append(None)
    return Path(tuple(elements), tuple(aliases))


def value(ref: str) -> Value:
    return Value(ref, TYPED[ref])


any_value = st.sampled_from(sorted(TYPED)).map(value)
scalar_value = st.sampled_from([":s", ":s2", ":n", ":b"]).map(value)


@st.composite
def leaves(draw: st.DrawFn) -> CondNode:
    path = draw(paths())
    kind = draw(st.integers(0, 6))
    left: Operand
    right: Operand
    if kind == 0:
        op = draw(st.sampled_from(["=", "<>"]))
        left, right = path, draw(any_value)
    elif kind == 1:
        op = draw(st.sampled_from(["<", "<=", ">", ">="]))
        left, right = path, draw(scalar_value)
    elif kind == 2:
        op = draw(st.sampled_from(["=", "<", ">="]))
        left, right = Call("size", (path,)), value(":n")
    elif kind == 3:
        return Between(path, value(":lo"), value(":hi"))
    elif kind == 4:
        return In(path, tuple(draw(st.lists(any_value, min_size=1, max_size=3))))
    else:
        function = draw(
            st.sampled_from(
                [
                    "attribute_exists",
                    "attribute_not_exists",
                    "begins_with",
                    "contains",
                    "attribute_type",
                ]
            )
        )
        args: tuple[Operand, ...] = (path,)
        if function == "begins_with":
            args = (path, value(":s"))
        elif function == "contains":
            args = (path, draw(any_value))
        elif function == "attribute_type":
            args = (path, value(":t"))
        return FunctionCondition(Call(function, args))
    if draw(st.booleans()):
        left, right = right, left
    return Comparison(op, left, right)


conditions = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: And(*p)),
        st.tuples(inner, inner).map(lambda p: Or(*p)),
        inner.map(Not),
    ),
    max_leaves=6,
)


def context() -> ExpressionContext:
    return ExpressionContext(ALIASES, TYPED)


@FAST
@given(conditions)
def test_condition_round_trip(tree: CondNode) -> None:
    text = render_condition(tree)
    assert parse_condition(text, context()).root == tree


@st.composite
def set_values(draw: st.DrawFn) -> SetValue:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return draw(any_value)
    if kind == 1:
        return draw(paths())
    if kind == 2:
        operands = st.one_of(paths(), st.just(value(":n")))
        return Arithmetic(draw(st.sampled_from(["+", "-"])), draw(operands), draw(operands))
    if kind == 3:
        return Call("if_not_exists", (draw(paths()), draw(any_value)))
    return Call("list_append", (draw(st.one_of(paths(), st.just(value(":l")))), value(":l")))


@st.composite
def updates(draw: st.DrawFn) -> tuple[UpdateAction, ...]:
    heads = draw(st.lists(identifiers, min_size=1, max_size=5, unique=True))
    actions = []
    for head in heads:
        kind = draw(st.sampled_from(["SET", "REMOVE", "ADD", "DELETE"]))
        path = draw(paths(head=head))
        if kind == "SET":
            actions.append(UpdateAction("SET", path, draw(set_values())))
        elif kind == "REMOVE":
            actions.append(UpdateAction("REMOVE", path))
        else:
            choices = [":n", ":ss"] if kind == "ADD" else [":ss"]
            chosen = value(draw(st.sampled_from(choices)))
            actions.append(UpdateAction("ADD" if kind == "ADD" else "DELETE", path, chosen))
    order = ["SET", "REMOVE", "ADD", "DELETE"]
    return tuple(sorted(actions, key=lambda a: order.index(a.kind)))


@FAST
@given(updates())
def test_update_round_trip(actions: tuple[UpdateAction, ...]) -> None:
    assert parse_update(render_update(actions), context()).actions == actions


@FAST
@given(
    st.lists(identifiers, min_size=1, max_size=5, unique=True).flatmap(
        lambda heads: st.tuples(*(paths(head=h) for h in heads))
    )
)
def test_projection_round_trip(projected: tuple[Path, ...]) -> None:
    assert parse_projection(render_projection(projected), context()).paths == projected


@ITEMS
@given(updates(), items)
def test_update_never_mutates_its_input(actions: tuple[UpdateAction, ...], item: Any) -> None:
    plan = parse_update(render_update(actions), context())
    before = copy.deepcopy(item)
    with contextlib.suppress(ValidationException):
        plan.apply(item)
    assert item == before


@ITEMS
@given(items)
def test_projecting_every_attribute_is_the_identity(item: Any) -> None:
    validate_item(item)
    assert projection_from_attributes_to_get(list(item)).apply(item) == item
    if item:
        names = {f"#n{i}": name for i, name in enumerate(item)}
        projection = parse_projection(", ".join(names), ExpressionContext(names, None))
        assert projection.apply(item) == item


@ITEMS
@given(items, items)
def test_item_size_adds_up(first: Any, second: Any) -> None:
    second = {f"{name}~": value for name, value in second.items()}
    assert item_size({**first, **second}) == item_size(first) + item_size(second)


# ------------------------------------------------------------------------------------ numbers

number_texts = st.from_regex(
    r"[+-]?(\d{1,45}(\.\d{0,45})?|\.\d{1,45})([eE][+-]?\d{1,3})?", fullmatch=True
)
EXACT = Context(prec=1000)


@FAST
@given(number_texts)
def test_number_rules_agree_with_decimal(text: str) -> None:
    number = Decimal(text)
    digits = len(number.normalize(EXACT).as_tuple().digits)
    in_range = number.is_zero() or -130 <= number.adjusted() <= 125
    assert (number_error(text) is None) == (number.is_zero() or (in_range and digits <= 38))
    canonical = normalize_number(text)
    assert Decimal(canonical) == number
    assert normalize_number(canonical) == canonical
    assert "e" not in canonical.lower() and canonical != "-0"
    if "." in canonical:
        assert not canonical.endswith("0") and not canonical.endswith(".")
    magnitude = canonical.lstrip("-")
    assert magnitude == "0" or not magnitude.startswith("0") or magnitude.startswith("0.")


@FAST
@given(number_texts, number_texts)
def test_number_order_agrees_with_decimal(a: str, b: str) -> None:
    expected = (Decimal(a) > Decimal(b)) - (Decimal(a) < Decimal(b))
    assert compare_values({"N": a}, {"N": b}) == expected
    assert values_equal({"N": a}, {"N": b}) == (expected == 0)


@FAST
@given(st.text(max_size=8), st.text(max_size=8))
def test_string_order_is_utf8_byte_order(a: str, b: str) -> None:
    left, right = a.encode(), b.encode()
    assert compare_values({"S": a}, {"S": b}) == (left > right) - (left < right)


@FAST
@given(st.binary(max_size=8), st.binary(max_size=8))
def test_binary_order_is_unsigned(a: bytes, b: bytes) -> None:
    assert compare_values({"B": a}, {"B": b}) == (a > b) - (a < b)
