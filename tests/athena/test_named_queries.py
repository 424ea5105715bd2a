"""Named queries through boto3 in both modes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.athena.conftest import error_of

# The article's named query (benoitpaul/aws-labs, dynamodb-streams-kinesis stack).
ARTICLE_QUERY = (
    "SELECT dynamodb.newimage.Id.S AS ID, dynamodb.newimage.HeartRate.S AS HeartRate, "
    "dynamodb.newimage.SensorID.S AS SensorID, dynamodb.newimage.ReportTime.S AS ReportTime "
    'FROM "heartrate-glue-db"."heartrate-glue-table" WHERE dynamodb.newimage.HeartRate.S > 120'
)


def test_create_get_update_delete(athena: Any, workgroup: str) -> None:
    query_id = athena.create_named_query(
        Name="hight-heart-rate",
        Description="readings above 120",
        Database="heartrate-glue-db",
        QueryString=ARTICLE_QUERY,
        WorkGroup=workgroup,
    )["NamedQueryId"]
    assert athena.get_named_query(NamedQueryId=query_id)["NamedQuery"] == {
        "Name": "hight-heart-rate",
        "Description": "readings above 120",
        "Database": "heartrate-glue-db",
        "QueryString": ARTICLE_QUERY,
        "NamedQueryId": query_id,
        "WorkGroup": workgroup,
    }
    athena.update_named_query(NamedQueryId=query_id, Name="renamed", QueryString="SELECT 2")
    updated = athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]
    assert (updated["Name"], updated["QueryString"]) == ("renamed", "SELECT 2")
    assert updated["Description"] == "readings above 120"  # not given, so kept
    athena.delete_named_query(NamedQueryId=query_id)
    with pytest.raises(ClientError) as error:
        athena.get_named_query(NamedQueryId=query_id)
    assert error_of(error) == {
        "Code": "InvalidRequestException",
        "Message": f"NamedQuery {query_id} was not found",
        "AthenaErrorCode": "INVALID_INPUT",
    }


def test_names_need_not_be_unique_and_list_keeps_saving_order(athena: Any, workgroup: str) -> None:
    created = [
        athena.create_named_query(
            Name="same", Database="db", QueryString=f"SELECT {n}", WorkGroup=workgroup
        )["NamedQueryId"]
        for n in range(5)
    ]
    assert len(set(created)) == 5
    listed: list[str] = []
    arguments: dict[str, Any] = {"WorkGroup": workgroup, "MaxResults": 2}
    pages = 0
    while True:
        page = athena.list_named_queries(**arguments)
        listed += page["NamedQueryIds"]
        pages += 1
        if "NextToken" not in page:
            break
        arguments["NextToken"] = page["NextToken"]
    assert listed == created
    assert pages == 3


def test_list_is_per_workgroup(athena: Any, workgroup: str) -> None:
    mine = athena.create_named_query(
        Name="q", Database="db", QueryString="SELECT 1", WorkGroup=workgroup
    )["NamedQueryId"]
    assert athena.list_named_queries(WorkGroup=workgroup)["NamedQueryIds"] == [mine]
    assert mine not in athena.list_named_queries()["NamedQueryIds"]  # that lists primary


def test_batch_get_reports_unknown_ids(athena: Any, workgroup: str) -> None:
    known = athena.create_named_query(
        Name="q", Database="db", QueryString="SELECT 1", WorkGroup=workgroup
    )["NamedQueryId"]
    answer = athena.batch_get_named_query(NamedQueryIds=[known, "missing-id"])
    assert [query["NamedQueryId"] for query in answer["NamedQueries"]] == [known]
    assert answer["UnprocessedNamedQueryIds"] == [
        {
            "NamedQueryId": "missing-id",
            "ErrorCode": "INVALID_INPUT",
            "ErrorMessage": "NamedQuery missing-id was not found",
        }
    ]


def test_client_request_token_makes_creation_idempotent(athena: Any, workgroup: str) -> None:
    token = "t" * 32
    arguments = {
        "Name": "q",
        "Database": "db",
        "QueryString": "SELECT 1",
        "WorkGroup": workgroup,
        "ClientRequestToken": token,
    }
    first = athena.create_named_query(**arguments)["NamedQueryId"]
    assert athena.create_named_query(**arguments)["NamedQueryId"] == first
    assert athena.list_named_queries(WorkGroup=workgroup)["NamedQueryIds"] == [first]
    with pytest.raises(ClientError) as error:
        athena.create_named_query(**{**arguments, "QueryString": "SELECT 2"})
    assert error_of(error) == {
        "Code": "InvalidRequestException",
        "Message": "Idempotent parameters do not match",
        "AthenaErrorCode": "IDEMPOTENT_PARAMETER_MISMATCH",
    }


@pytest.mark.parametrize(
    "call",
    [
        lambda athena: athena.update_named_query(
            NamedQueryId="missing-id", Name="n", QueryString="SELECT 1"
        ),
        lambda athena: athena.delete_named_query(NamedQueryId="missing-id"),
    ],
)
def test_unknown_named_query(athena: Any, call: Any) -> None:
    with pytest.raises(ClientError) as error:
        call(athena)
    assert error_of(error)["Message"] == "NamedQuery missing-id was not found"


def test_malformed_next_token(athena: Any, workgroup: str) -> None:
    with pytest.raises(ClientError) as error:
        athena.list_named_queries(WorkGroup=workgroup, NextToken="not-a-token")
    assert error_of(error) == {
        "Code": "InvalidRequestException",
        "Message": "The nextPageToken is malformed: not-a-token",
        "AthenaErrorCode": "INVALID_INPUT",
    }
