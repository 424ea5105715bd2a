"""The PartiQL parser: it only ever refuses with ValidationException, and a WHERE clause means
exactly what the equivalent FilterExpression means (property tests)."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakehose.errors import ServiceError, ValidationException
from lakehose.services.dynamodb.expressions import ExpressionContext, parse_condition
from lakehose.services.dynamodb.partiql.conditions import where_condition
from lakehose.services.dynamodb.partiql.parser import parse_statement
from lakehose.services.dynamodb.partiql.syntax import Insert, Select, Update

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_FRAGMENTS = [
    "SELECT", "INSERT", "UPDATE", "DELETE", "EXISTS", "FROM", "WHERE", "SET", "REMOVE", "INTO",
    "VALUE", "AND", "OR", "NOT", "IN", "IS", "MISSING", "BETWEEN", "RETURNING", "ALL", "OLD",
    "ORDER", "BY", "*", "(", ")", "[", "]", "{", "}", "<<", ">>", ",", ".", ":", "=", "<>", "<",
    "+", "-", "?", "'s'", '"t"', "1", "2.5e3", "a", "b", "size(a)", "true", "null", ";", "--",
    "/*", "*/",
]  # fmt: skip


@FAST
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=25), st.integers(0, 3))
def test_any_token_soup_is_parsed_or_refused(fragments: list[str], parameters: int) -> None:
    with contextlib.suppress(ValidationException):
        parse_statement(" ".join(fragments), [{"S": "p"}] * parameters)


@FAST
@given(st.text(max_size=60))
def test_any_text_is_parsed_or_refused(text: str) -> None:
    with contextlib.suppress(ValidationException):
        parse_statement(text, None)


# -------------------------------------------------------------------- WHERE == FilterExpression

# Each literal and the ExpressionAttributeValues reference that stands for it.
_values: dict[str, tuple[str, Any]] = {
    "1": (":one", {"N": "1"}),
    "2": (":two", {"N": "2"}),
    "'x'": (":x", {"S": "x"}),
    "'xy'": (":xy", {"S": "xy"}),
    "true": (":yes", {"BOOL": True}),
}
_paths = ["a", "b", "m.c", "l[0]"]


@st.composite
def conditions(draw: st.DrawFn, depth: int = 0) -> tuple[str, str]:
    """A WHERE clause and the FilterExpression that should mean the same."""
    if depth < 2 and draw(st.booleans()):
        left, right = draw(conditions(depth + 1)), draw(conditions(depth + 1))
        joiner = draw(st.sampled_from(["AND", "OR"]))
        if draw(st.booleans()):
            return f"NOT {left[0]}", f"NOT {left[1]}"
        return f"({left[0]} {joiner} {right[0]})", f"({left[1]} {joiner} {right[1]})"
    path = draw(st.sampled_from(_paths))
    literal = draw(st.sampled_from(sorted(_values)))
    ref = _values[literal][0]
    kind = draw(st.sampled_from(["cmp", "between", "in", "missing", "begins", "contains"]))
    if kind == "cmp":
        op = draw(st.sampled_from(["=", "<>", "<", "<=", ">", ">="]))
        return f"{path} {op} {literal}", f"{path} {op} {ref}"
    if kind == "between":
        return f"{path} BETWEEN 1 AND 2", f"{path} BETWEEN :one AND :two"
    if kind == "in":
        return f"{path} IN [{literal}, 2]", f"{path} IN ({ref}, :two)"
    if kind == "missing":
        negated = draw(st.booleans())
        return (
            f"{path} IS {'NOT ' if negated else ''}MISSING",
            f"attribute_{'exists' if negated else 'not_exists'}({path})",
        )
    if kind == "begins":
        return f"begins_with({path}, 'x')", f"begins_with({path}, :x)"
    return f"contains({path}, {literal})", f"contains({path}, {ref})"


attribute_values = st.sampled_from(
    [
        {"N": "1"},
        {"N": "2"},
        {"S": "x"},
        {"S": "xyz"},
        {"BOOL": True},
        {"SS": ["x", "y"]},
        {"L": [{"S": "x"}]},
    ]
)
items = st.fixed_dictionaries(
    {},
    optional={
        "a": attribute_values,
        "b": attribute_values,
        "m": st.fixed_dictionaries({}, optional={"c": attribute_values}).map(
            lambda fields: {"M": fields}
        ),
        "l": st.lists(attribute_values, max_size=2).map(lambda members: {"L": members}),
    },
)


@FAST
@given(conditions(), st.lists(items, min_size=1, max_size=5))
def test_where_clause_means_the_filter_expression(
    pair: tuple[str, str], drawn: list[dict[str, Any]]
) -> None:
    partiql, expression = pair
    statement = parse_statement(f'SELECT * FROM "t" WHERE {partiql}', None)
    assert isinstance(statement, Select) and statement.where is not None
    tokens = expression.replace("(", " ").replace(")", " ").replace(",", " ").split()
    used = {ref: value for ref, value in _values.values() if ref in tokens}
    try:
        where = where_condition(statement.where)
    except ValidationException as refused:
        # Refused exactly as the FilterExpression is, without its "Invalid ...:" prefix.
        with pytest.raises(ValidationException) as also:
            parse_condition(
                expression, ExpressionContext(None, used or None), label="FilterExpression"
            )
        assert also.value.message == f"Invalid FilterExpression: {refused.message}"
        return
    filter_ = parse_condition(
        expression, ExpressionContext(None, used or None), label="FilterExpression"
    )
    for item in drawn:
        assert where.evaluate(item) == filter_.evaluate(item), item


# ----------------------------------------------------------------------------- literal values


def test_literals_become_attribute_values() -> None:
    statement = parse_statement(
        "INSERT INTO t VALUE {'s': 'it''s', 'n': -1.50, 'e': 2E+3, 'b': false, 'z': null, "
        "'l': [1, [2]], 'm': {'k': {'j': 'v'}}, 'ns': <<1, 2>>, 'ss': <<'a'>>, 'p': ?}",
        [{"B": b"\x00"}],
    )
    assert isinstance(statement, Insert)
    assert statement.item == {
        "M": {
            "s": {"S": "it's"},
            "n": {"N": "-1.5"},
            "e": {"N": "2000"},
            "b": {"BOOL": False},
            "z": {"NULL": True},
            "l": {"L": [{"N": "1"}, {"L": [{"N": "2"}]}]},
            "m": {"M": {"k": {"M": {"j": {"S": "v"}}}}},
            "ns": {"NS": ["1", "2"]},
            "ss": {"SS": ["a"]},
            "p": {"B": b"\x00"},
        }
    }


def test_update_clauses_keep_their_order() -> None:
    statement = parse_statement(
        'UPDATE "t" SET a = 1, "b c" = a + 2 REMOVE d[3] SET e = list_append(e, [1]) '
        "WHERE k = 'v' RETURNING ALL OLD *",
        None,
    )
    assert isinstance(statement, Update)
    assert [type(action).__name__ for action in statement.actions] == [
        "Assignment",
        "Assignment",
        "Removal",
        "Assignment",
    ]
    assert statement.returning == "ALL_OLD"


_BAG_TYPES = (
    "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"
)
_MULTIPLE = (
    "Unsupported operation: Inserting multiple items in a single statement is not supported, "
    'use "INSERT INTO tableName VALUE item" instead'
)
_IS_TYPES = (
    "Unsupported data type for IS operator: DATE. Supported data types are [MISSING, NULL, "
    "BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"
)
_OVERFLOW = (
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * FROM t WHERE a = <<>>", "Empty bags are not supported"),
        ("SELECT * FROM t WHERE a = <<1, 'x'>>", _BAG_TYPES),
        (
            "SELECT * FROM t WHERE a = <<'x', 'x'>>",
            "One or more parameter values were invalid: Input collection [x, x] contains "
            "duplicates.",
        ),
        ("UPDATE t SET a = [?] WHERE k = 1", "Unsupported data type: Parameter under key root[0]"),
        ("INSERT INTO t VALUE {'a': 1, 'a': 2}", "Duplicate keys in tuple. Key: a under root"),
        ("INSERT INTO t VALUES {'a': 1}", _MULTIPLE),
        (
            "SELECT * FROM t WHERE a[-1] = 1",
            "List index is not within the allowable range; index: [-1]",
        ),
        ("SELECT a.* FROM t", "Unpivot path component like a.*.b are not supported"),
        ("SELECT * FROM a, b", "Only select from a single table or index is supported."),
        ("SELECT * FROM t WHERE a IS DATE", _IS_TYPES),
        (
            "SELECT * FROM t ORDER BY a",
            "Must have WHERE clause in the statement when using ORDER BY clause.",
        ),
        ("SELECT a, a FROM t", "Duplicate identifiers in select clause: a"),
        ("SELECT * FROM t WHERE a = 1e999", _OVERFLOW),
        ("SELECT * FROM t WHERE a = 1 LIMIT 5", "Unsupported clause: LIMIT"),
        ("SELECT * FROM t GROUP BY a", "Unsupported clause: GROUP"),
        ("SELECT VALUE a FROM t", "Select projection doesn't support value or pivot keywords"),
    ],
)
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(ValidationException) as refused:
        parse_statement(text, None if "?" not in text else [{"S": "v"}])
    assert refused.value.message == message


# ------------------------------------------------------------- statements never fail the engine

_STATEMENT_FRAGMENTS = [
    "SELECT", "INSERT", "INTO", "UPDATE", "DELETE", "EXISTS", "FROM", "WHERE", "SET", "REMOVE",
    "VALUE", "AND", "OR", "NOT", "IN", "IS", "MISSING", "NULL", "BETWEEN", "RETURNING", "ALL",
    "MODIFIED", "OLD", "NEW", "ORDER", "BY", "DESC", "*", "(", ")", "[", "]", "{", "}", "<<",
    ">>", ",", ".", ":", "=", "<>", "<", ">=", "+", "-", "?", "'x'", "'pk'", "'sk'", "1", "2",
    '"fuzz"', '"fuzz"."by-g"', "pk", "sk", "g", "l[0]", "m.k", "size(l)", "list_append(l, [1])",
    "set_add(s, <<'a'>>)", "begins_with(pk, 'x')", "attribute_type(m, 'M')", "true",
]  # fmt: skip


# Beginnings of well-formed statements, so that many drawn statements reach the engine.
_PREFIXES = [
    "",
    'SELECT * FROM "fuzz" WHERE ',
    "SELECT pk, l[0], m.k FROM \"fuzz\" WHERE pk = 'x' AND ",
    'SELECT * FROM "fuzz"."by-g" WHERE ',
    "UPDATE \"fuzz\" SET n = 1 WHERE pk = 'x' AND sk = 1 AND ",
    'UPDATE "fuzz" SET ',
    "DELETE FROM \"fuzz\" WHERE pk = 'x' AND sk = 1 AND ",
    "INSERT INTO \"fuzz\" VALUE {'pk': 'y', 'sk': 2, ",
    "EXISTS(SELECT * FROM \"fuzz\" WHERE pk = 'x' AND sk = 1 AND ",
]


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_statement_answers_or_refuses_as_aws_does(lake: Any, data: st.DataObject) -> None:
    engine = lake.engine("dynamodb")
    if not getattr(engine, "_fuzz_ready", False):
        client = lake.client("dynamodb")
        client.create_table(
            TableName="fuzz",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(
            TableName="fuzz",
            Item={
                "pk": {"S": "x"},
                "sk": {"N": "1"},
                "g": {"S": "x"},
                "l": {"L": [{"N": "1"}]},
                "m": {"M": {"k": {"S": "v"}}},
                "s": {"SS": ["a"]},
            },
        )
        engine._fuzz_ready = True
    prefix = data.draw(st.sampled_from(_PREFIXES))
    body = data.draw(
        st.one_of(
            st.lists(st.sampled_from(_STATEMENT_FRAGMENTS), max_size=18).map(" ".join),
            conditions().map(lambda pair: pair[0]),
        )
    )
    parameters = data.draw(
        st.lists(st.sampled_from([{"S": "x"}, {"N": "1"}, {"SS": ["a"]}]), max_size=2)
    )
    operation = data.draw(st.sampled_from(["statement", "batch", "transaction"]))
    text = prefix + body or "SELECT"
    entry: dict[str, Any] = {"Statement": text}
    if parameters:
        entry["Parameters"] = parameters
    try:
        if operation == "statement":
            engine.execute_statement(statement=text, parameters=parameters or None, limit=2)
        elif operation == "batch":
            engine.batch_execute_statement(statements=[entry])
        else:
            engine.execute_transaction(transact_statements=[entry])
    except ServiceError:
        pass
