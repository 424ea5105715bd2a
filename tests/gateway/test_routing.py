"""REST requests reach the operation AWS would run, by method, path, query and headers."""

from __future__ import annotations

import pytest

from lakehose.gateway.catalog import ServiceCatalog
from lakehose.gateway.routing import RestRouter

CATALOG = ServiceCatalog(["s3", "lambda"])
S3 = RestRouter(CATALOG.model("s3"))
LAMBDA = RestRouter(CATALOG.model("lambda"))


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "operation", "params"),
    [
        ("GET", "/", "", {}, "ListBuckets", {}),
        ("GET", "/b", "", {}, "ListObjects", {"Bucket": "b"}),
        ("GET", "/b/", "list-type=2&prefix=a", {}, "ListObjectsV2", {"Bucket": "b"}),
        ("PUT", "/b", "", {}, "CreateBucket", {"Bucket": "b"}),
        ("HEAD", "/b", "", {}, "HeadBucket", {"Bucket": "b"}),
        ("PUT", "/b/a/b%20c.json", "", {}, "PutObject", {"Bucket": "b", "Key": "a/b c.json"}),
        (
            "PUT",
            "/b/k",
            "",
            {"x-amz-copy-source": "/o/k"},
            "CopyObject",
            {"Bucket": "b", "Key": "k"},
        ),
        ("PUT", "/b/k", "partNumber=1&uploadId=u", {}, "UploadPart", {"Bucket": "b", "Key": "k"}),
        (
            "PUT",
            "/b/k",
            "partNumber=1&uploadId=u",
            {"X-Amz-Copy-Source": "/o/k"},
            "UploadPartCopy",
            {"Bucket": "b", "Key": "k"},
        ),
        ("POST", "/b/k", "uploads", {}, "CreateMultipartUpload", {"Bucket": "b", "Key": "k"}),
        ("POST", "/b", "delete", {}, "DeleteObjects", {"Bucket": "b"}),
        ("GET", "/b", "tagging", {}, "GetBucketTagging", {"Bucket": "b"}),
        ("GET", "/b/dir/", "", {}, "GetObject", {"Bucket": "b", "Key": "dir/"}),
        ("DELETE", "/b/k", "uploadId=u", {}, "AbortMultipartUpload", {"Bucket": "b", "Key": "k"}),
    ],
)
def test_s3_routes(
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    operation: str,
    params: dict[str, str],
) -> None:
    route = S3.match(method, path, query, headers)
    assert route is not None
    assert (route.operation.name, route.uri_params) == (operation, params)


@pytest.mark.parametrize(
    ("method", "path", "operation", "params"),
    [
        ("GET", "/2015-03-31/functions/", "ListFunctions", {}),
        ("POST", "/2015-03-31/functions", "CreateFunction", {}),
        ("GET", "/2015-03-31/functions/f", "GetFunction", {"FunctionName": "f"}),
        ("POST", "/2015-03-31/functions/f/invocations", "Invoke", {"FunctionName": "f"}),
        (
            "GET",
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/configuration",
            "GetFunctionConfiguration",
            {"FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:f"},
        ),
    ],
)
def test_lambda_routes(method: str, path: str, operation: str, params: dict[str, str]) -> None:
    route = LAMBDA.match(method, path, "")
    assert route is not None
    assert (route.operation.name, route.uri_params) == (operation, params)


def test_no_route() -> None:
    assert LAMBDA.match("PATCH", "/2015-03-31/functions/f", "") is None
    assert "2015-03-31" in LAMBDA.first_segments()
