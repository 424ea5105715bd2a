"""``Lakehose.session()``: a boto3 session whose clients, made by any library, reach the gateway
without a socket, with or without an endpoint of their own."""

from __future__ import annotations

from lakehose import Lakehose


def test_clients_of_the_session_reach_the_runtime(lake: Lakehose) -> None:
    session = lake.session()
    # No endpoint: AWS's own host names, S3 addressed by path so the bucket is read from it.
    s3 = session.client("s3")
    s3.create_bucket(Bucket="session-bucket")
    s3.put_object(Bucket="session-bucket", Key="a/b.txt", Body=b"hello")
    assert s3.get_object(Bucket="session-bucket", Key="a/b.txt")["Body"].read() == b"hello"
    # A library that sets the endpoint (awswrangler's config, PyAthena's endpoint_url).
    athena = session.client("athena", endpoint_url=lake.settings.endpoint_url)
    names = [w["Name"] for w in athena.list_work_groups()["WorkGroups"]]
    assert names == ["primary"]
    # The objects are the runtime's own, as its other clients see them.
    listed = lake.client("s3").list_objects_v2(Bucket="session-bucket")
    assert [item["Key"] for item in listed["Contents"]] == ["a/b.txt"]
