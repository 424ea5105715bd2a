"""Condition evaluation: every operator and function across types, absent attributes, nesting."""

from __future__ import annotations

from typing import Any

import pytest

from lakehose.services.dynamodb.expressions import parse_condition
from tests.dynamodb.expressions.helpers import ctx

ITEM: dict[str, Any] = {
    "s": {"S": "hello"},
    "n": {"N": "10"},
    "b": {"B": b"\x01\x02\x03"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": [b"\x01", b"\x02"]},
    "l": {"L": [{"S": "a"}, {"N": "1"}, {"M": {"k": {"S": "v"}}}]},
    "m": {"M": {"inside": {"M": {"deep": {"N": "3"}}}, "vals": {"L": [{"N": "7"}, {"N": "8"}]}}},
    "t": {"BOOL": True},
    "z": {"NULL": True},
    "e": {"S": ""},
    "u": {"S": "é𝄞"},  # 3 UTF-16 code units, 6 UTF-8 bytes
}
VALUES: dict[str, Any] = {
    ":hello": {"S": "hello"},
    ":he": {"S": "he"},
    ":ell": {"S": "ell"},
    ":x": {"S": "x"},
    ":a": {"S": "a"},
    ":z": {"S": "zzz"},
    ":n10": {"N": "10"},
    ":n10f": {"N": "10.0"},
    ":n9": {"N": "9"},
    ":n11": {"N": "11"},
    ":one": {"N": "1"},
    ":two": {"N": "2"},
    ":three": {"N": "3"},
    ":six": {"N": "6"},
    ":n25": {"N": "2.50"},
    ":b12": {"B": b"\x01\x02"},
    ":b2": {"B": b"\x02"},
    ":b1": {"B": b"\x01"},
    ":ssab": {"SS": ["b", "a"]},
    ":map": {"M": {"k": {"S": "v"}}},
    ":true": {"BOOL": True},
    ":null": {"NULL": True},
    ":tS": {"S": "S"},
    ":tN": {"S": "N"},
    ":tSS": {"S": "SS"},
    ":tL": {"S": "L"},
    ":tM": {"S": "M"},
    ":tNULL": {"S": "NULL"},
    ":tBOOL": {"S": "BOOL"},
    ":empty": {"S": ""},
}

CASES = [
    # = and <> across types; numbers compare numerically, sets as sets, absent is unequal
    ("s = :hello", True),
    ("s = :x", False),
    ("n = :n10f", True),
    ("n = :hello", False),
    ("ss = :ssab", True),
    ("l[2] = :map", True),
    ("t = :true", True),
    ("z = :null", True),
    ("absent = :x", False),
    ("absent = absent2", False),
    ("s <> :x", True),
    ("s <> :hello", False),
    ("n <> :hello", True),
    ("absent <> :x", True),
    # ordering: S (UTF-8 bytes), N (numeric), B (unsigned bytes); other types / absent: false
    ("n < :n11", True),
    ("n < :n10", False),
    ("n <= :n10f", True),
    ("n > :n9", True),
    ("n >= :n11", False),
    ("s > :he", True),
    ("s < :z", True),
    ("b > :b12", True),
    ("b < :b2", True),
    ("n < :z", False),
    ("absent < :n10", False),
    ("absent >= :n10", False),
    ("ss > :a", False),
    ("e < :a", True),
    # BETWEEN (inclusive) and IN
    ("n BETWEEN :n9 AND :n11", True),
    ("n BETWEEN :n10 AND :n10f", True),
    ("n BETWEEN :one AND :n9", False),
    ("s BETWEEN :he AND :z", True),
    ("s BETWEEN :one AND :n11", False),
    ("absent BETWEEN :one AND :n11", False),
    ("n IN (:one, :n10f)", True),
    ("n IN (:one, :two)", False),
    ("s IN (:x, :hello)", True),
    ("absent IN (:x)", False),
    ("ss IN (:ssab)", True),
    # functions
    ("attribute_exists(s)", True),
    ("attribute_exists(z)", True),
    ("attribute_exists(absent)", False),
    ("attribute_exists(m.inside.deep)", True),
    ("attribute_exists(m.inside.nope)", False),
    ("attribute_exists(m.vals[1])", True),
    ("attribute_exists(m.vals[2])", False),
    ("attribute_exists(s.x)", False),
    ("attribute_exists(s[0])", False),
    ("attribute_not_exists(absent)", True),
    ("attribute_not_exists(s)", False),
    ("attribute_type(s, :tS)", True),
    ("attribute_type(n, :tN)", True),
    ("attribute_type(ss, :tSS)", True),
    ("attribute_type(l, :tL)", True),
    ("attribute_type(m, :tM)", True),
    ("attribute_type(z, :tNULL)", True),
    ("attribute_type(t, :tBOOL)", True),
    ("attribute_type(s, :tN)", False),
    ("attribute_type(absent, :tS)", False),
    ("begins_with(s, :he)", True),
    ("begins_with(s, :ell)", False),
    ("begins_with(s, :empty)", True),
    ("begins_with(b, :b12)", True),
    ("begins_with(b, :b2)", False),
    ("begins_with(s, :b1)", False),
    ("begins_with(n, :he)", False),
    ("begins_with(absent, :he)", False),
    ("contains(s, :ell)", True),
    ("contains(s, :x)", False),
    ("contains(b, :b2)", True),
    ("contains(ss, :a)", True),
    ("contains(ss, :x)", False),
    ("contains(ns, :n25)", True),
    ("contains(ns, :two)", False),
    ("contains(bs, :b2)", True),
    ("contains(l, :a)", True),
    ("contains(l, :one)", True),
    ("contains(l, :map)", True),
    ("contains(l, :x)", False),
    ("contains(n, :one)", False),
    ("contains(m, :x)", False),
    ("contains(absent, :x)", False),
    ("contains(s, absent)", False),
    ("contains(s, e)", True),
    # size: strings in UTF-16 code units, binaries in bytes, collections by member count
    ("size(s) = :six", False),
    ("size(s) > :three", True),
    ("size(u) = :three", True),
    ("size(b) = :three", True),
    ("size(ss) = :two", True),
    ("size(l) = :three", True),
    ("size(m) = :two", True),
    ("size(m.vals) = :two", True),
    ("size(n) = :two", False),
    ("size(n) <> :two", True),
    ("size(t) = :one", False),
    ("size(absent) = :one", False),
    ("size(absent) < :one", False),
    ("size(:hello) = :six", False),
    # connectives and precedence: NOT binds tighter than AND, AND tighter than OR
    ("NOT s = :x", True),
    ("NOT attribute_exists(s)", False),
    ("NOT NOT attribute_exists(s)", True),
    ("s = :x OR n = :n10", True),
    ("s = :x AND n = :n10", False),
    ("s = :hello OR n = :one AND t = :null", True),
    ("(s = :hello OR n = :one) AND t = :null", False),
    ("NOT s = :x AND n = :one", False),
    ("NOT (s = :x AND n = :one)", True),
    ("n = :one OR n = :two OR n = :n10", True),
    ("AttrMissing <> :x AND NOT contains(absent, :x)", True),
]


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_evaluation(expression: str, expected: bool) -> None:
    condition = parse_condition(expression, ctx(VALUES))
    assert condition.evaluate(ITEM) is expected


def test_conditions_on_a_missing_item() -> None:
    assert parse_condition("attribute_not_exists(pk)", ctx()).evaluate({})
    assert not parse_condition("attribute_exists(pk)", ctx()).evaluate({})
    assert parse_condition("pk <> :x", ctx({":x": {"S": "x"}})).evaluate({})


def test_aliases_resolve_to_names_with_dots_and_reserved_words() -> None:
    item: dict[str, Any] = {
        "a.b": {"S": "dotted"},
        "a": {"M": {"b": {"S": "nested"}}},
        "Comment": {"N": "1"},
    }
    values = {":d": {"S": "dotted"}, ":n": {"S": "nested"}, ":one": {"N": "1"}}
    names = {"#dotted": "a.b", "#a": "a", "#b": "b", "#c": "Comment"}
    condition = parse_condition("#dotted = :d AND #a.#b = :n AND #c = :one", ctx(values, names))
    assert condition.evaluate(item)


def test_condition_reports_its_paths() -> None:
    condition = parse_condition(
        "a.b = :x AND (size(c[1]) > :n OR begins_with(d, :x))",
        ctx({":x": {"S": "x"}, ":n": {"N": "1"}}),
    )
    assert [p.elements for p in condition.paths()] == [("a", "b"), ("c", 1), ("d",)]
    assert condition.top_level_names() == ["a", "c", "d"]
