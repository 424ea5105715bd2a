"""GetPartitions' Expression language: grammar cases, and a property test against Python.

The property test builds random expressions as trees, renders them as text (with only the
parentheses SQL's precedence needs, sometimes more), and checks that the filter GetPartitions
uses agrees with a direct evaluation of the tree in Python, with SQL's three-valued logic, on
random partitions.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lakehose.errors import ServiceError
from lakehose.services.glue.partitions import partition_filter

TABLE: dict[str, Any] = {
    "PartitionKeys": [
        {"Name": "year", "Type": "int"},
        {"Name": "month", "Type": "string"},
        {"Name": "day", "Type": "date"},
    ],
    "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "string"}]},
}
KEYS = ("year", "month", "day")


def matches(expression: str, values: list[str]) -> bool:
    found = partition_filter(TABLE, expression)
    assert found is not None
    return found.matches(values)


def refused(expression: str, values: list[str] | None = None) -> ServiceError:
    with pytest.raises(ServiceError) as error:
        if values is None:
            partition_filter(TABLE, expression)
        else:
            matches(expression, values)
    return error.value


ROW = ["2", "two", "2024-01-02"]


@pytest.mark.parametrize(
    "expression",
    [
        "year = 2",
        "year = '2'",
        "year IN (2)",
        "year in (6, '4', 2)",
        "year between 2 AND 2",
        "year > 1 AND year < 3",
        "year >= 2 and year <> 3",
        "year != 3",
        "2 = year",
        "3 > year",
        "(year) = ((2)) OR (((year))) = (2)",
        "year IS NOT NULL and year = 2",
        "year not IN (1, 3)",
        "year NOT BETWEEN 3 AND 4",
        "NOT year = 3",
        "NOT NOT year = 2",
        "month = 'two' AND month LIKE 't_o' AND month LIKE '%o' AND month NOT LIKE '_'",
        "month > 'a' AND month < 'u'",
        "day = '2024-01-02' AND day = DATE '2024-01-02' AND day < '2024-01-03'",
        "`month` = 'two' AND \"year\" = 2",
        "YEAR = 2 And Month = 'two'",
        "id IS NULL",
        "id IS NULL OR id = 'x'",
        "year = 1 OR year = 2 AND month = 'two'",
        "",
        "   ",
    ],
)
def test_expressions_that_match(expression: str) -> None:
    if not expression.strip():
        assert partition_filter(TABLE, expression) is None
    else:
        assert matches(expression, ROW)


@pytest.mark.parametrize(
    "expression",
    [
        "id = 'x'",  # unknown is not true
        "NOT id = 'x'",  # and its negation is unknown too
        "id <> 'x' OR year = 3",
        "(year = 1 OR year = 2) AND month = 'one'",
        "month = '2'",
        "month LIKE 'T%'",  # LIKE is case-sensitive
        "year BETWEEN 3 AND 1",  # an empty range, not a reversed one
    ],
)
def test_expressions_that_do_not_match(expression: str) -> None:
    assert not matches(expression, ROW)


def test_a_number_compares_with_a_string_key_as_written() -> None:
    assert matches("month = 2", ["2", "2", "2024-01-02"])
    assert matches("month IN (1, 2, 3)", ["2", "2", "2024-01-02"])
    assert not matches("month = 2.0", ["2", "2", "2024-01-02"])


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("year = 'two'", "two is not an integer."),
        ("year IN (2.5)", "2.5 is not an integer."),
        ("day < 'soon'", "soon is not a date."),
        ("year LIKE '2'", "Integral data type doesn't support operation 'LIKE'"),
        ("day LIKE '2%'", "Date data type doesn't support operation 'LIKE'"),
        ("other = 1", "Invalid partition expression!"),
        ("year = year", "Unsupported expression 'year = year'"),
        ("1 = 1", "Unsupported expression '1 = 1'"),
        ("year", "Unsupported expression 'year'"),
        ("year = 2 AND", "Unsupported expression 'year = 2 AND'"),
        ("year = 2 OR (month = 'a'", "Unsupported expression 'year = 2 OR (month = 'a''"),
        ("year == 2", "Unsupported expression 'year == 2'"),
        ("year = 2 ; drop", "Unsupported expression 'year = 2 ; drop'"),
        ("month LIKE 2", "Unsupported expression 'month LIKE 2'"),
        ("year NOT = 2", "Unsupported expression 'year NOT = 2'"),
        ("(" * 1500 + "year = 2" + ")" * 1500, None),
    ],
)
def test_refused_expressions(expression: str, message: str | None) -> None:
    error = refused(expression)
    assert error.error_code == "InvalidInputException"
    if message is not None:
        assert error.message == message


def test_unknown_key_type_is_refused() -> None:
    table = {"PartitionKeys": [{"Name": "ratio", "Type": "float"}]}
    with pytest.raises(ServiceError) as error:
        partition_filter(table, "ratio = 1")
    assert error.value.message == "Unknown type : 'float'"


def test_stored_value_that_no_longer_fits_is_invalid_state() -> None:
    error = refused("year = 2", ["two", "x", "2024-01-02"])
    assert (error.error_code, error.message) == ("InvalidStateException", "two is not an integer.")


# -- the property test -----------------------------------------------------------------------

Tree = tuple[Any, ...]
FIRST_DAY = date(2023, 12, 25)
years = st.integers(2018, 2026)
months = st.text(alphabet="01x_%a'", min_size=0, max_size=3).filter(bool)
days = st.integers(0, 20).map(lambda n: FIRST_DAY + timedelta(days=n))
literal_of = {"year": years, "month": months, "day": days}
operators = st.sampled_from(["=", "<>", "!=", "<", "<=", ">", ">="])


def _leaf() -> st.SearchStrategy[Tree]:
    key = st.sampled_from(KEYS)
    return st.one_of(
        st.tuples(st.just("cmp"), key, operators, st.booleans()).flatmap(
            lambda t: literal_of[t[1]].map(lambda value: (*t, value))
        ),
        key.flatmap(
            lambda k: st.tuples(
                st.just("in"), st.just(k), st.lists(literal_of[k], min_size=1, max_size=3)
            )
        ),
        key.flatmap(
            lambda k: st.tuples(st.just("between"), st.just(k), literal_of[k], literal_of[k])
        ),
        st.tuples(st.just("like"), st.just("month"), st.text(alphabet="01x_%a", max_size=4)),
        st.tuples(st.just("null"), st.sampled_from((*KEYS, "id"))),
        st.tuples(st.just("unknown"), st.sampled_from(["=", "<>"])),
    )


def _tree() -> st.SearchStrategy[Tree]:
    return st.recursive(
        st.tuples(_leaf(), st.booleans()).map(lambda t: ("negatable", *t)),
        lambda inner: st.one_of(
            st.tuples(st.just("not"), inner),
            st.tuples(st.sampled_from(["and", "or"]), inner, inner, st.booleans()),
        ),
        max_leaves=8,
    )


def _literal(key: str, value: Any, typed: bool = False) -> str:
    if key == "year":
        return str(value) if not typed else f"'{value}'"
    if key == "day":
        return f"DATE '{value.isoformat()}'" if typed else f"'{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def render(tree: Tree) -> str:
    kind = tree[0]
    if kind == "negatable":
        leaf, negated = tree[1], tree[2]
        return _render_leaf(leaf, negated)
    if kind == "not":
        return f"NOT ({render(tree[1])})"
    left, right, extra = render(tree[1]), render(tree[2]), tree[3]
    if kind == "and":
        # AND binds tighter than OR: only OR operands need parentheses.
        left = f"({left})" if tree[1][0] == "or" or extra else left
        right = f"({right})" if tree[2][0] in ("or", "and") or extra else right
        return f"{left} AND {right}"
    right = f"({right})" if tree[2][0] == "or" or extra else right
    return f"{left} OR {right}"


def _render_leaf(leaf: Tree, negated: bool) -> str:
    kind, key = leaf[0], leaf[1]
    not_ = "NOT " if negated else ""
    if kind == "unknown":
        return f"{not_}id {leaf[1]} 'x'"  # a table column, never a partition key: NULL
    if kind == "cmp":
        operator, flipped, value = leaf[2], leaf[3], leaf[4]
        text = _literal(key, value, typed=flipped)
        core = f"{text} {_flip(operator)} {key}" if flipped else f"{key} {operator} {text}"
        return f"NOT {core}" if negated else core
    if kind == "in":
        return f"{key} {not_}IN ({', '.join(_literal(key, v) for v in leaf[2])})"
    if kind == "between":
        low, high = _literal(key, leaf[2]), _literal(key, leaf[3])
        return f"{key} {not_}BETWEEN {low} AND {high}"
    if kind == "like":
        return f"month {not_}LIKE " + _literal("month", leaf[2])
    return f"{key} IS {not_}NULL"


def _flip(operator: str) -> str:
    return {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(operator, operator)


def _like(text: str, pattern: str) -> bool:
    """SQL LIKE by recursion over the pattern, independent of the engine's regex."""
    if not pattern:
        return not text
    if pattern[0] == "%":
        return any(_like(text[i:], pattern[1:]) for i in range(len(text) + 1))
    if not text:
        return False
    return (pattern[0] == "_" or pattern[0] == text[0]) and _like(text[1:], pattern[1:])


def evaluate(tree: Tree, row: dict[str, Any]) -> bool | None:
    kind = tree[0]
    if kind == "negatable":
        value = _evaluate_leaf(tree[1], row)
        return value if not tree[2] or value is None else not value
    if kind == "not":
        value = evaluate(tree[1], row)
        return None if value is None else not value
    left, right = evaluate(tree[1], row), evaluate(tree[2], row)
    if kind == "and":
        if left is False or right is False:
            return False
        return None if None in (left, right) else True
    if left is True or right is True:
        return True
    return None if None in (left, right) else False


def _evaluate_leaf(leaf: Tree, row: dict[str, Any]) -> bool | None:
    kind = leaf[0]
    if kind == "cmp":
        stored, operator, value = row[leaf[1]], leaf[2], leaf[4]
        return {
            "=": stored == value,
            "<>": stored != value,
            "!=": stored != value,
            "<": stored < value,
            "<=": stored <= value,
            ">": stored > value,
            ">=": stored >= value,
        }[operator]
    if kind == "in":
        return row[leaf[1]] in leaf[2]
    if kind == "between":
        return bool(leaf[2] <= row[leaf[1]] <= leaf[3])
    if kind == "like":
        return _like(row["month"], leaf[2])
    if kind == "null":
        return leaf[1] == "id"
    return None  # a comparison with NULL is unknown


@settings(max_examples=200, deadline=None)
@given(tree=_tree(), rows=st.lists(st.tuples(years, months, days), min_size=1, max_size=6))
def test_filter_agrees_with_python(tree: Tree, rows: list[tuple[int, str, date]]) -> None:
    expression = render(tree)
    found = partition_filter(TABLE, expression)
    assert found is not None, expression
    for year, month, day in rows:
        expected = evaluate(tree, {"year": year, "month": month, "day": day})
        assert found.matches([str(year), month, day.isoformat()]) is (expected is True), (
            expression,
            (year, month, day),
        )
