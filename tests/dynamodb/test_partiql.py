"""PartiQL: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction.

Results are checked against the equivalent item operations (GetItem, Query, Scan, PutItem,
UpdateItem, DeleteItem) and messages against AWS's (moto's AWS-verified tests, AWS's PartiQL
reference and the messages of AWS's PartiQL front end).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from lakehose.services.dynamodb.codec import dump_item
from lakehose.services.dynamodb.partiql.selects import statement_digest
from tests.dynamodb.conftest import TableFactory, error_of, stream_records

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: "


def fill(ddb: Any, table: str) -> None:
    for pk in ("a", "b", "c"):
        for sk in range(1, 4):
            ddb.put_item(
                TableName=table,
                Item={
                    "pk": {"S": pk},
                    "sk": {"N": str(sk)},
                    "n": {"N": str(sk * 10)},
                    "m": {"M": {"deep": {"L": [{"S": f"{pk}{sk}"}, {"BOOL": sk % 2 == 0}]}}},
                },
            )


def run(ddb: Any, statement: str, **arguments: Any) -> dict[str, Any]:
    answer: dict[str, Any] = ddb.execute_statement(Statement=statement, **arguments)
    answer.pop("ResponseMetadata")
    return answer


def test_select_by_partition_equals_query(ddb: Any, sorted_table: str) -> None:
    fill(ddb, sorted_table)
    answer = run(
        ddb, f'SELECT * FROM "{sorted_table}" WHERE pk = ? AND sk >= 2', Parameters=[{"S": "b"}]
    )
    query = ddb.query(
        TableName=sorted_table,
        KeyConditionExpression="pk = :p AND sk >= :s",
        ExpressionAttributeValues={":p": {"S": "b"}, ":s": {"N": "2"}},
    )
    assert answer == {"Items": query["Items"]}
    assert [item["sk"]["N"] for item in answer["Items"]] == ["2", "3"]


def test_select_with_filter_equals_scan(ddb: Any, sorted_table: str) -> None:
    fill(ddb, sorted_table)
    answer = run(
        ddb,
        f'SELECT * FROM "{sorted_table}" WHERE n BETWEEN 15 AND 30 AND '
        "(begins_with(m.deep[0], 'a') OR m.deep[1] = true) AND n IS NOT MISSING",
    )
    scan = ddb.scan(
        TableName=sorted_table,
        FilterExpression="n BETWEEN :lo AND :hi AND (begins_with(m.deep[0], :a) OR m.deep[1] = :t)"
        " AND attribute_exists(n)",
        ExpressionAttributeValues={
            ":lo": {"N": "15"},
            ":hi": {"N": "30"},
            ":a": {"S": "a"},
            ":t": {"BOOL": True},
        },
    )
    assert answer == {"Items": scan["Items"]}
    assert len(answer["Items"]) == 4


def test_projection_names_each_path(ddb: Any, sorted_table: str) -> None:
    fill(ddb, sorted_table)
    answer = run(
        ddb, f'SELECT sk, m.deep[0], "missing" FROM "{sorted_table}" WHERE pk=\'a\' AND sk=1'
    )
    assert answer == {"Items": [{"sk": {"N": "1"}, "m.deep[0]": {"S": "a1"}}]}


def test_in_list_reads_each_partition_and_orders(ddb: Any, sorted_table: str) -> None:
    fill(ddb, sorted_table)
    answer = run(
        ddb,
        f"SELECT pk, sk FROM \"{sorted_table}\" WHERE pk IN ['c', 'a'] AND sk < 3 "
        "ORDER BY pk DESC, sk DESC",
    )
    assert [(item["pk"]["S"], item["sk"]["N"]) for item in answer["Items"]] == [
        ("c", "2"),
        ("c", "1"),
        ("a", "2"),
        ("a", "1"),
    ]


def test_limit_counts_rows_read_and_next_token_pages(ddb: Any, sorted_table: str) -> None:
    fill(ddb, sorted_table)
    statement = f"SELECT sk FROM \"{sorted_table}\" WHERE pk IN ['a', 'b'] AND n > 10"
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        arguments: dict[str, Any] = {"Limit": 2}
        if token:
            arguments["NextToken"] = token
        page = run(ddb, statement, **arguments)
        pages += 1
        assert len(page["Items"]) <= 2
        seen += [item["sk"]["N"] for item in page["Items"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert seen == ["2", "3", "2", "3"]
    assert pages == 4
    with pytest.raises(ClientError) as refused:
        run(
            ddb,
            f'SELECT * FROM "{sorted_table}"',
            NextToken=run(ddb, statement, Limit=1)["NextToken"],
        )
    assert error_of(refused) == ("ValidationException", "NextToken does not match request")
    with pytest.raises(ClientError) as invalid:
        run(ddb, statement, NextToken="not-a-token")
    assert error_of(invalid) == ("ValidationException", "Invalid NextToken")
    digest = statement_digest(statement, None)
    good_key = base64.b64encode(dump_item({"pk": {"S": "a"}, "sk": {"N": "1"}})).decode()
    bad_key = base64.b64encode(dump_item({"pk": {"N": "1"}})).decode()
    for forged in ({"d": digest, "p": 7, "k": good_key}, {"d": digest, "p": 0, "k": bad_key}):
        token = base64.urlsafe_b64encode(orjson.dumps(forged)).decode()
        with pytest.raises(ClientError) as refused_token:
            run(ddb, statement, NextToken=token)
        assert error_of(refused_token) == ("ValidationException", "Invalid NextToken")


def test_consistent_read_and_capacity(ddb: Any, sorted_table: str) -> None:
    fill(ddb, sorted_table)
    statement = f"SELECT * FROM \"{sorted_table}\" WHERE pk = 'a' AND sk = 1"
    eventual = run(ddb, statement, ReturnConsumedCapacity="TOTAL")
    strong = run(ddb, statement, ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    assert eventual["ConsumedCapacity"] == {"TableName": sorted_table, "CapacityUnits": 0.5}
    assert strong["ConsumedCapacity"] == {"TableName": sorted_table, "CapacityUnits": 1.0}


def test_insert_update_delete_as_item_writes(ddb: Any, sorted_table: str) -> None:
    assert run(
        ddb,
        f"INSERT INTO \"{sorted_table}\" VALUE {{'pk': ?, 'sk': 1, 'tags': <<'x', 'y'>>, "
        "'nested': {'list': [1, 'two', null]}}",
        Parameters=[{"S": "k"}],
    ) == {"Items": []}
    key = {"pk": {"S": "k"}, "sk": {"N": "1"}}
    item = ddb.get_item(TableName=sorted_table, Key=key)["Item"]
    assert item["tags"] == {"SS": ["x", "y"]}
    assert item["nested"] == {"M": {"list": {"L": [{"N": "1"}, {"S": "two"}, {"NULL": True}]}}}
    with pytest.raises(ClientError) as duplicate:
        run(ddb, f"INSERT INTO \"{sorted_table}\" VALUE {{'pk': 'k', 'sk': 1}}")
    assert error_of(duplicate) == (
        "DuplicateItemException",
        "Duplicate primary key exists in table",
    )

    answer = run(
        ddb,
        f"UPDATE \"{sorted_table}\" SET n = 5 SET n2 = sk + 5 SET tags = set_add(tags, <<'z'>>) "
        "REMOVE nested.list[1] WHERE pk = 'k' AND sk = 1 RETURNING MODIFIED NEW *",
    )
    assert answer == {
        "Items": [
            {
                "n": {"N": "5"},
                "n2": {"N": "6"},
                "tags": {"SS": ["x", "y", "z"]},
                "nested": {"M": {"list": {"L": [{"NULL": True}]}}},
            }
        ]
    }
    with pytest.raises(ClientError) as missing:
        run(ddb, f"UPDATE \"{sorted_table}\" SET n = 1 WHERE pk = 'none' AND sk = 1")
    assert error_of(missing) == (
        "ConditionalCheckFailedException",
        "The conditional request failed",
    )
    assert "Item" not in ddb.get_item(
        TableName=sorted_table, Key={"pk": {"S": "none"}, "sk": {"N": "1"}}
    )

    assert run(ddb, f"DELETE FROM \"{sorted_table}\" WHERE pk = 'none' AND sk = 1") == {"Items": []}
    with pytest.raises(ClientError) as condition:
        run(
            ddb,
            f"DELETE FROM \"{sorted_table}\" WHERE pk = 'k' AND sk = 1 AND n = 6",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert condition.value.response["Item"]["n"] == {"N": "5"}
    gone = run(ddb, f"DELETE FROM \"{sorted_table}\" WHERE pk = 'k' AND sk = 1 RETURNING ALL OLD *")
    assert gone["Items"][0]["n2"] == {"N": "6"}
    assert "Item" not in ddb.get_item(TableName=sorted_table, Key=key)


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ('SELEC * FROM "{t}"', NOT_WELL_FORMED + "Expected data manipulation"),
        (
            "SELECT * FROM \"{t}\" WHERE pk = 'a' junk",
            NOT_WELL_FORMED + "Unexpected token after expression",
        ),
        ('SELECT * FROM "{t}" AS x', "Aliasing is not supported"),
        (
            'SELECT *, pk FROM "{t}"',
            "Other attributes should not be present in the projection when '*' is used.",
        ),
        ('SELECT * FROM "{t}" WHERE pk = MISSING', "MISSING must be compared using IS operator"),
        (
            "UPDATE \"{t}\" SET n = 1 WHERE pk = 'a'",
            "Where clause does not contain a mandatory equality on all key attributes",
        ),
        (
            "UPDATE \"{t}\" SET n = 1 WHERE pk = 'a' AND sk = 1 AND pk = 'b'",
            "Multiple conditions on same key pk. Only single item Update/Insert/Delete are "
            "supported",
        ),
        (
            "DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *",
            "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed "
            "in DELETE statements.",
        ),
        (
            "INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1}} RETURNING ALL OLD *",
            "RETURNING is not supported in INSERT",
        ),
        (
            "UPDATE \"{t}\" SET n = 'a' + 1 WHERE pk = 'a' AND sk = 1",
            "Incorrect operand type for operator or function; operator or function: +, "
            "operand type: S",
        ),
        ('SELECT * FROM "{t}" WHERE nope(pk)', "Unrecognized function: nope"),
        (
            "SELECT * FROM \"{t}\" WHERE pk = 'a' ORDER BY n",
            "Variable reference n in ORDER BY clause must be part of the primary key",
        ),
        (
            "EXISTS(SELECT * FROM \"{t}\" WHERE pk = 'a' AND sk = 1 AND n = 1)",
            "EXISTS can only be used in ExecuteTransaction write requests.",
        ),
        (
            'SELECT * FROM "{t}" WHERE pk = 1',
            "Key attribute's data type should match its data type in table's schema: Key pk",
        ),
        (
            'SELECT * FROM "{t}" WHERE pk = ?',
            "Number of parameters in request and statement don't match.",
        ),
        (
            "INSERT INTO \"{t}\" VALUE {{'pk': 'a'}}",
            "One or more parameter values were invalid: Missing the key sk in the item",
        ),
        (
            "UPDATE \"{t}\" SET s = set_add(s, 'x') WHERE pk = 'a' AND sk = 1",
            "The second argument to SET_ADD must be a value with type SET",
        ),
        (
            "UPDATE \"{t}\" ADD n 1 WHERE pk = 'a' AND sk = 1",
            "Only SET and REMOVE are supported in update expressions at this time",
        ),
    ],
)
def test_aws_errors(ddb: Any, sorted_table: str, statement: str, message: str) -> None:
    with pytest.raises(ClientError) as refused:
        run(ddb, statement.format(t=sorted_table))
    assert error_of(refused) == ("ValidationException", message)


def test_unknown_table_and_index(ddb: Any, table: str) -> None:
    with pytest.raises(ClientError) as no_index:
        run(ddb, f'SELECT * FROM "{table}"."missing"')
    assert error_of(no_index) == (
        "ValidationException",
        "The table does not have the specified index",
    )
    with pytest.raises(ClientError) as no_table:
        run(ddb, 'SELECT * FROM "nothing-here"')
    assert error_of(no_table) == ("ResourceNotFoundException", "Requested resource not found")


def test_select_on_a_global_index(ddb: Any, make_table: TableFactory) -> None:
    table = make_table(
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    ddb.put_item(TableName=table, Item={"id": {"S": "1"}, "g": {"S": "x"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "2"}})
    assert run(ddb, f'SELECT id FROM "{table}"."by-g" WHERE g = \'x\'') == {
        "Items": [{"id": {"S": "1"}}]
    }
    with pytest.raises(ClientError) as strong:
        run(ddb, f'SELECT * FROM "{table}"."by-g"', ConsistentRead=True)
    assert error_of(strong) == (
        "ValidationException",
        "Strongly consistent read is not supported on Global Secondary Indexes",
    )


def test_batch_runs_each_statement_on_its_own(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item={"id": {"S": "one"}, "v": {"N": "1"}})
    writes = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"UPDATE \"{table}\" SET v = v + 1 WHERE id = 'one'"},
            {"Statement": f"INSERT INTO \"{table}\" VALUE {{'id': 'one'}}"},
            {"Statement": f"INSERT INTO \"{table}\" VALUE {{'id': 'two'}}"},
            {"Statement": "DELETE FROM \"no-such-table\" WHERE id = 'x'"},
            {
                "Statement": f"UPDATE \"{table}\" SET v = 9 WHERE id = 'one' AND v = 0",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
        ]
    )["Responses"]
    assert writes == [
        {"TableName": table},
        {
            "TableName": table,
            "Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"},
        },
        {"TableName": table},
        {"Error": {"Code": "ResourceNotFound", "Message": "Requested resource not found"}},
        {
            "TableName": table,
            "Error": {
                "Code": "ConditionalCheckFailed",
                "Message": "The conditional request failed",
                "Item": {"id": {"S": "one"}, "v": {"N": "2"}},
            },
        },
    ]
    reads = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f'SELECT v FROM "{table}" WHERE id = ?', "Parameters": [{"S": "one"}]},
            {"Statement": f"SELECT * FROM \"{table}\" WHERE id = 'none'"},
            {"Statement": f"SELECT * FROM \"{table}\" WHERE id = 'one' AND v = 2"},
            {"Statement": "SELECT * FROM"},
        ]
    )["Responses"]
    assert reads == [
        {"TableName": table, "Item": {"v": {"N": "2"}}},
        {"TableName": table},
        {
            "TableName": table,
            "Error": {
                "Code": "ValidationError",
                "Message": "Select statements within BatchExecuteStatement must specify the "
                "primary key in the where clause.",
            },
        },
        {"Error": {"Code": "ValidationError", "Message": NOT_WELL_FORMED + "Expected identifier"}},
    ]


def test_transaction_is_all_or_nothing(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item={"id": {"S": "guard"}, "open": {"BOOL": False}})
    statements = [
        {"Statement": f"EXISTS(SELECT * FROM \"{table}\" WHERE id = 'guard' AND open = true)"},
        {"Statement": f"INSERT INTO \"{table}\" VALUE {{'id': 'new'}}"},
        {"Statement": f"UPDATE \"{table}\" SET n = 1 WHERE id = 'absent'"},
    ]
    with pytest.raises(ClientError) as cancelled:
        ddb.execute_transaction(TransactStatements=statements)
    response = cancelled.value.response
    assert response["Error"]["Code"] == "TransactionCanceledException"
    assert response["Error"]["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[ConditionalCheckFailed, None, ConditionalCheckFailed]"
    )
    assert response["CancellationReasons"] == [
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
    ]
    assert "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": "new"}})

    ddb.put_item(TableName=table, Item={"id": {"S": "guard"}, "open": {"BOOL": True}})
    ddb.put_item(TableName=table, Item={"id": {"S": "absent"}})
    done = ddb.execute_transaction(TransactStatements=statements, ClientRequestToken="t-1")
    assert done["Responses"] == []
    ddb.delete_item(TableName=table, Key={"id": {"S": "new"}})
    again = ddb.execute_transaction(TransactStatements=statements, ClientRequestToken="t-1")
    assert again["Responses"] == []
    assert "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": "new"}})

    reads = ddb.execute_transaction(
        TransactStatements=[
            {"Statement": f"SELECT n FROM \"{table}\" WHERE id = 'absent'"},
            {"Statement": f'SELECT * FROM "{table}" WHERE id = ?', "Parameters": [{"S": "zzz"}]},
        ]
    )["Responses"]
    assert reads == [{"Item": {"n": {"N": "1"}}}, {}]


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "SELECT * FROM \"{t}\" WHERE id = 'a' AND v = 1",
            "Select statements within ExecuteTransaction must specify the primary key in the "
            "where clause.",
        ),
        (
            "UPDATE \"{t}\" SET v = 1 WHERE id = 'a' RETURNING ALL NEW *",
            "RETURNING clause is not supported in ExecuteTransaction.",
        ),
        (
            "EXISTS(SELECT * FROM \"{t}\" WHERE id = 'a')",
            "EXISTS() must contain a single item read with additional condition",
        ),
    ],
)
def test_transaction_statement_rules(ddb: Any, table: str, statement: str, message: str) -> None:
    with pytest.raises(ClientError) as refused:
        ddb.execute_transaction(TransactStatements=[{"Statement": statement.format(t=table)}])
    assert error_of(refused) == (
        "ValidationException",
        f"Validation failed in TransactStatements[0]: {message}",
    )


def test_writes_emit_change_records(
    ddb: Any, kinesis: Any, streamed_table: tuple[str, str]
) -> None:
    table, stream = streamed_table
    run(ddb, f"INSERT INTO \"{table}\" VALUE {{'id': 'r', 'v': 1}}")
    run(ddb, f"UPDATE \"{table}\" SET v = 2 WHERE id = 'r'")
    run(ddb, f"DELETE FROM \"{table}\" WHERE id = 'r'")
    run(ddb, f"DELETE FROM \"{table}\" WHERE id = 'r'")  # nothing there: no record
    events = [json.loads(record["Data"])["eventName"] for record in stream_records(kinesis, stream)]
    assert events == ["INSERT", "MODIFY", "REMOVE"]


def test_capacity_equals_the_item_operations(ddb: Any, table: str) -> None:
    big = {"S": "x" * 3000}
    put = ddb.put_item(
        TableName=table, Item={"id": {"S": "api"}, "v": big}, ReturnConsumedCapacity="TOTAL"
    )
    insert = ddb.execute_statement(
        Statement=f"INSERT INTO \"{table}\" VALUE {{'id': 'ql', 'v': ?}}",
        Parameters=[big],
        ReturnConsumedCapacity="TOTAL",
    )
    assert (
        insert["ConsumedCapacity"]
        == put["ConsumedCapacity"]
        == {
            "TableName": table,
            "CapacityUnits": 3.0,
        }
    )
    batch = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"SELECT * FROM \"{table}\" WHERE id = 'api'", "ConsistentRead": True},
            {"Statement": f"SELECT * FROM \"{table}\" WHERE id = 'ql'"},
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert batch["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 1.5}]
    transaction = ddb.execute_transaction(
        TransactStatements=[{"Statement": f"UPDATE \"{table}\" SET n = 1 WHERE id = 'ql'"}],
        ReturnConsumedCapacity="TOTAL",
    )
    assert transaction["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 6.0}]


def test_exists_reads_the_first_key_value(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item={"id": {"S": "one"}, "flag": {"S": "on"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "other"}})
    exists = f"EXISTS(SELECT * FROM \"{table}\" WHERE id = 'one' AND id = 'two' AND flag = 'on')"
    with pytest.raises(ClientError) as cancelled:
        ddb.execute_transaction(
            TransactStatements=[
                {"Statement": exists},
                {"Statement": f"UPDATE \"{table}\" SET n = 1 WHERE id = 'other'"},
            ]
        )
    reasons = cancelled.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["ConditionalCheckFailed", "None"]
    with pytest.raises(ClientError) as refused:
        ddb.execute_transaction(
            TransactStatements=[
                {
                    "Statement": f"EXISTS(SELECT * FROM \"{table}\" WHERE id IN ['one'] "
                    "AND flag = 'on')"
                },
            ]
        )
    assert error_of(refused) == (
        "ValidationException",
        "Validation failed in TransactStatements[0]: EXISTS() must contain a single item read "
        "with additional condition",
    )


def test_a_partition_named_twice_is_refused(ddb: Any, table: str) -> None:
    for where in ("id IN ['a', 'a']", "id = 'a' OR id = 'a'"):
        with pytest.raises(ClientError) as refused:
            run(ddb, f'SELECT * FROM "{table}" WHERE {where}')
        assert error_of(refused) == (
            "ValidationException",
            "Overlapping conditions with range keys are not supported in where clause",
        )
