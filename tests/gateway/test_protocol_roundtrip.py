"""rest-json and rest-xml against botocore with the real Lambda and S3 models.

Requests come from botocore's serializers and must parse back to the caller's parameters;
results go out through our serializers and botocore's parsers must read them back. The last
tests drive whole botocore clients (signing, S3 handlers, streaming bodies) through a
``before-send`` hook.
"""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import orjson
import pytest
from botocore.awsrequest import (
    AWSPreparedRequest,
    AWSResponse,
    HeadersDict,
    HTTPHeaders,
    create_request_object,
    prepare_request_dict,
)
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import NoShapeFoundError, OperationModel, ServiceModel
from botocore.parsers import create_parser
from botocore.response import StreamingBody
from botocore.serialize import create_serializer
from urllib3.response import HTTPResponse as Urllib3Response

from lakehose.errors import ServiceError
from lakehose.gateway.http import Headers, HttpRequest, HttpResponse
from lakehose.gateway.protocols import protocol_for
from lakehose.gateway.routing import RestRouter

ENDPOINT = "http://localhost:4566"
WHEN = datetime(2024, 5, 17, 8, 30, 15, 250000, tzinfo=UTC)


@cache
def model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


@cache
def router(service: str) -> RestRouter:
    return RestRouter(model(service))


def client_request(service: str, operation_name: str, params: Mapping[str, Any]) -> HttpRequest:
    """The request botocore's serializer makes of ``params``, as it would reach the server."""
    operation = model(service).operation_model(operation_name)
    serializer = create_serializer(model(service).metadata["protocol"])
    serialized = serializer.serialize_to_request(dict(params), operation)
    serialized.setdefault("context", {})
    prepare_request_dict(serialized, endpoint_url=ENDPOINT)
    return _http_request(create_request_object(serialized).prepare())


def _http_request(prepared: AWSPreparedRequest) -> HttpRequest:
    url = urlsplit(prepared.url)
    raw: Any = prepared.body
    body = raw.read() if hasattr(raw, "read") else raw or b""
    headers = Headers(
        (name, value.decode() if isinstance(value, bytes) else value)
        for name, value in prepared.headers.items()
    )
    return HttpRequest(prepared.method, url.path, url.query, headers, _bytes(body))


def _bytes(body: str | bytes | bytearray) -> bytes:
    return body.encode() if isinstance(body, str) else bytes(body)


def server_parse(service: str, operation_name: str, request: HttpRequest) -> dict[str, Any]:
    route = router(service).match(request.method, request.path, request.query, request.headers)
    assert route is not None, f"no route for {request.method} {request.path}?{request.query}"
    # Labels depend only on the URI template, shared by every operation the route could name.
    operation = model(service).operation_model(operation_name)
    return protocol_for(model(service).protocol).parse(request, operation, route.uri_params)


def round_trip(service: str, operation_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    return server_parse(service, operation_name, client_request(service, operation_name, params))


def client_reads(service: str, operation: OperationModel, response: HttpResponse) -> Any:
    """What botocore's parser (with the endpoint's streaming and error handling) makes of it."""
    body: Any = response.body
    if operation.has_streaming_output and response.status < 300:
        body = StreamingBody(io.BytesIO(response.body), len(response.body))
    raw = {
        "status_code": response.status,
        "headers": HeadersDict(response.headers),
        "body": body,
        "context": {"operation_name": operation.name},
    }
    parser: Any = create_parser(model(service).metadata["protocol"])
    parsed: dict[str, Any] = parser.parse(raw, operation.output_shape)
    if response.status >= 300:
        try:
            shape = model(service).shape_for_error_code(parsed["Error"]["Code"])
        except NoShapeFoundError:
            shape = None
        if shape is not None:
            parsed.update(parser.parse(raw, shape))
    return parsed


def serve(service: str, operation_name: str, result: Mapping[str, Any]) -> tuple[Any, HttpResponse]:
    operation = model(service).operation_model(operation_name)
    response = protocol_for(model(service).protocol).serialize(result, operation, "req-1")
    return client_reads(service, operation, response), response


def serve_error(service: str, operation_name: str, error: ServiceError) -> tuple[Any, HttpResponse]:
    operation = model(service).operation_model(operation_name)
    wire = protocol_for(model(service).protocol)
    response = wire.serialize_error(error, model(service), operation, "req-1")
    return client_reads(service, operation, response), response


# -- Lambda (rest-json) -----------------------------------------------------------------------


def test_lambda_invoke_request_binds_headers_query_and_raw_payload() -> None:
    context = base64.b64encode(b'{"custom": {"k": "v"}}').decode()
    params = {
        "FunctionName": "my-function",
        "InvocationType": "RequestResponse",
        "LogType": "Tail",
        "ClientContext": context,
        "Qualifier": "$LATEST",
        "Payload": b"\x00\xffnot json",
    }
    assert round_trip("lambda", "Invoke", params) == params


def test_lambda_invoke_response_has_raw_payload_status_and_headers() -> None:
    log = base64.b64encode(b"START RequestId: 1\nEND\n").decode()
    result = {
        "StatusCode": 200,
        "FunctionError": "Unhandled",
        "LogResult": log,
        "ExecutedVersion": "$LATEST",
        "Payload": b'{"errorMessage": "boom"}',
    }
    parsed, response = serve("lambda", "Invoke", result)
    assert response.body == b'{"errorMessage": "boom"}'
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["x-amzn-RequestId"] == "req-1"
    assert parsed["Payload"].read() == b'{"errorMessage": "boom"}'
    assert {
        k: parsed[k] for k in ("StatusCode", "FunctionError", "LogResult", "ExecutedVersion")
    } == {
        "StatusCode": 200,
        "FunctionError": "Unhandled",
        "LogResult": log,
        "ExecutedVersion": "$LATEST",
    }


def test_lambda_async_invoke_status_comes_from_the_status_code_member() -> None:
    parsed, response = serve("lambda", "Invoke", {"StatusCode": 202})
    assert response.status == 202
    assert response.body == b""
    assert parsed["StatusCode"] == 202


def test_lambda_create_function_decodes_zip_blob_and_environment_map() -> None:
    params = {
        "FunctionName": "f",
        "Runtime": "python3.12",
        "Role": "arn:aws:iam::000000000000:role/r",
        "Handler": "app.handler",
        "Code": {"ZipFile": b"PK\x03\x04binary\x00zip"},
        "Environment": {"Variables": {"STAGE": "test", "EMPTY": ""}},
        "Timeout": 30,
        "MemorySize": 256,
        "Publish": True,
        "Tags": {"team": "data"},
    }
    assert round_trip("lambda", "CreateFunction", params) == params


def test_lambda_create_function_answers_201_with_json_configuration() -> None:
    result = {
        "FunctionName": "f",
        "FunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:f",
        "Runtime": "python3.12",
        "CodeSize": 1234,
        "Timeout": 30,
        "Environment": {"Variables": {"STAGE": "test"}},
        "LastModified": "2024-05-17T08:30:15.250+0000",
        "State": "Active",
    }
    parsed, response = serve("lambda", "CreateFunction", result)
    assert response.status == 201
    assert response.headers["Content-Type"] == "application/json"
    parsed.pop("ResponseMetadata")
    assert parsed == result


def test_lambda_get_function_nests_configuration_code_and_tags() -> None:
    result = {
        "Configuration": {"FunctionName": "f", "MemorySize": 128, "Layers": []},
        "Code": {"RepositoryType": "S3", "Location": "http://localhost:4566/code.zip"},
        "Tags": {"a": "1"},
    }
    assert round_trip("lambda", "GetFunction", {"FunctionName": "f", "Qualifier": "2"}) == {
        "FunctionName": "f",
        "Qualifier": "2",
    }
    parsed, _ = serve("lambda", "GetFunction", result)
    parsed.pop("ResponseMetadata")
    assert parsed == result


def test_lambda_list_functions_query_members_are_typed() -> None:
    params = {"Marker": "next/page=2", "MaxItems": 50, "FunctionVersion": "ALL"}
    parsed = round_trip("lambda", "ListFunctions", params)
    assert parsed == params
    assert isinstance(parsed["MaxItems"], int)


def test_lambda_undecodable_query_value_is_a_serialization_exception() -> None:
    request = HttpRequest("GET", "/2015-03-31/functions/", "MaxItems=lots")
    with pytest.raises(ServiceError) as raised:
        server_parse("lambda", "ListFunctions", request)
    assert raised.value.error_code == "SerializationException"


def test_lambda_error_has_error_type_header_and_type_field() -> None:
    error = ServiceError("Function not found: f", code="ResourceNotFoundException", status=404)
    parsed, response = serve_error("lambda", "GetFunction", error)
    assert response.status == 404
    assert response.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    # ResourceNotFoundException declares "Message"; the Type member says whose fault it was.
    assert orjson.loads(response.body) == {"Type": "User", "Message": "Function not found: f"}
    assert parsed["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": "Function not found: f",
    }
    assert parsed["Type"] == "User"


def test_lambda_error_without_message_member_uses_lowercase_message() -> None:
    error = ServiceError("Too many", code="TooManyRequestsException", fields={"Reason": "Burst"})
    parsed, response = serve_error("lambda", "Invoke", error)
    body = orjson.loads(response.body)
    assert body["message"] == "Too many"
    assert body["Reason"] == "Burst"
    assert parsed["Error"]["Message"] == "Too many"
    assert parsed["Reason"] == "Burst"


# -- S3 (rest-xml) ----------------------------------------------------------------------------


def test_s3_put_object_binds_key_metadata_content_type_and_body() -> None:
    params = {
        "Bucket": "my-bucket",
        "Key": "dir/with space/ü+plus.txt",
        "Body": b"hello\x00world",
        "ContentType": "text/plain",
        "ContentLength": 11,
        "Metadata": {"owner": "me", "empty": ""},
        "StorageClass": "STANDARD",
    }
    assert round_trip("s3", "PutObject", params) == params


def test_s3_get_object_response_streams_body_with_headers() -> None:
    result = {
        "Body": b"\x89PNG\r\n",
        "ContentType": "image/png",
        "ContentLength": 6,
        "ETag": '"abc123"',
        "LastModified": WHEN,
        "Metadata": {"owner": "me"},
        "AcceptRanges": "bytes",
    }
    parsed, response = serve("s3", "GetObject", result)
    assert response.body == b"\x89PNG\r\n"
    assert response.headers["Last-Modified"] == "Fri, 17 May 2024 08:30:15 GMT"
    assert response.headers["x-amz-request-id"] == "req-1" and response.headers["x-amz-id-2"]
    assert parsed["Body"].read() == b"\x89PNG\r\n"
    assert parsed["LastModified"] == WHEN.replace(microsecond=0)
    assert {k: parsed[k] for k in ("ContentType", "ContentLength", "ETag", "Metadata")} == {
        "ContentType": "image/png",
        "ContentLength": 6,
        "ETag": '"abc123"',
        "Metadata": {"owner": "me"},
    }


def test_s3_list_objects_v2_round_trips_flattened_lists() -> None:
    params = {
        "Bucket": "b",
        "Prefix": "logs/",
        "Delimiter": "/",
        "MaxKeys": 2,
        "ContinuationToken": "t+/=",
        "StartAfter": "logs/a",
    }
    assert round_trip("s3", "ListObjectsV2", params) == params
    result = {
        "IsTruncated": True,
        "Name": "b",
        "Prefix": "logs/",
        "Delimiter": "/",
        "MaxKeys": 2,
        "KeyCount": 2,
        "NextContinuationToken": "next",
        "Contents": [
            {"Key": "logs/a.txt", "LastModified": WHEN, "ETag": '"e1"', "Size": 3},
            {"Key": "logs/b <&>.txt", "LastModified": WHEN, "Size": 0, "StorageClass": "STANDARD"},
        ],
        "CommonPrefixes": [{"Prefix": "logs/2024/"}, {"Prefix": "logs/2025/"}],
    }
    parsed, response = serve("s3", "ListObjectsV2", result)
    root = ET.fromstring(response.body)
    assert root.tag == "{http://s3.amazonaws.com/doc/2006-03-01/}ListBucketResult"
    assert response.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert b"<LastModified>2024-05-17T08:30:15.250Z</LastModified>" in response.body
    assert b"<IsTruncated>true</IsTruncated>" in response.body
    parsed.pop("ResponseMetadata")
    assert parsed == result


def test_s3_complete_multipart_upload_reads_the_xml_body() -> None:
    params = {
        "Bucket": "b",
        "Key": "big/file.bin",
        "UploadId": "upload-1",
        "MultipartUpload": {
            "Parts": [
                {"ETag": '"etag-1"', "PartNumber": 1, "ChecksumCRC32": "AAAAAA=="},
                {"ETag": '"etag-2"', "PartNumber": 2},
            ]
        },
    }
    assert round_trip("s3", "CompleteMultipartUpload", params) == params
    result = {"Location": "http://x/b/big", "Bucket": "b", "Key": "big/file.bin", "ETag": '"e-2"'}
    parsed, response = serve("s3", "CompleteMultipartUpload", result)
    assert ET.fromstring(response.body).tag.endswith("}CompleteMultipartUploadResult")
    parsed.pop("ResponseMetadata")
    assert parsed == result


def test_s3_delete_objects_request_and_response() -> None:
    params = {
        "Bucket": "b",
        "Delete": {"Objects": [{"Key": "a"}, {"Key": "b/c", "VersionId": "v1"}], "Quiet": False},
    }
    assert round_trip("s3", "DeleteObjects", params) == params
    result = {
        "Deleted": [{"Key": "a"}, {"Key": "b/c", "VersionId": "v1", "DeleteMarker": True}],
        "Errors": [{"Key": "locked", "Code": "AccessDenied", "Message": "Access Denied"}],
    }
    parsed, response = serve("s3", "DeleteObjects", result)
    assert ET.fromstring(response.body).tag.endswith("}DeleteResult")
    assert b"<Error><Key>locked</Key>" in response.body
    parsed.pop("ResponseMetadata")
    assert parsed == result


def test_s3_get_bucket_tagging_has_a_tagging_root() -> None:
    result = {"TagSet": [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "data"}]}
    parsed, response = serve("s3", "GetBucketTagging", result)
    root = ET.fromstring(response.body)
    assert root.tag.endswith("}Tagging")
    assert [child.tag.rsplit("}")[-1] for child in root[0]] == ["Tag", "Tag"]
    parsed.pop("ResponseMetadata")
    assert parsed == result


def test_s3_body_members_beside_uri_labels_form_the_document() -> None:
    # SelectObjectContent has no payload member: its body members are the document.
    params = {
        "Bucket": "b",
        "Key": "data.csv",
        "Expression": "SELECT * FROM S3Object s",
        "ExpressionType": "SQL",
        "InputSerialization": {"CSV": {"FileHeaderInfo": "USE"}, "CompressionType": "NONE"},
        "OutputSerialization": {"JSON": {"RecordDelimiter": "\n"}},
        "ScanRange": {"Start": 0, "End": 100},
    }
    assert round_trip("s3", "SelectObjectContent", params) == params


def test_s3_put_bucket_tagging_payload_round_trips() -> None:
    params = {"Bucket": "b", "Tagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}
    assert round_trip("s3", "PutBucketTagging", params) == params


def test_s3_no_such_key_error_carries_the_key_field() -> None:
    error = ServiceError(
        "The specified key does not exist.", code="NoSuchKey", fields={"Key": "missing.txt"}
    )
    parsed, response = serve_error("s3", "GetObject", error)
    assert response.status == 404
    assert response.headers["Content-Type"] == "application/xml"
    assert response.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>')
    root = ET.fromstring(response.body)
    assert [child.tag for child in root] == ["Code", "Message", "Key", "RequestId", "HostId"]
    assert parsed["Error"] == {
        "Code": "NoSuchKey",
        "Message": "The specified key does not exist.",
        "Key": "missing.txt",
    }
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"


def test_s3_head_object_keeps_content_length_without_a_body() -> None:
    result = {"ContentLength": 1234, "ContentType": "text/csv", "ETag": '"e"', "LastModified": WHEN}
    parsed, response = serve("s3", "HeadObject", result)
    assert response.body == b""
    assert response.headers["Content-Length"] == "1234"
    assert parsed["ContentLength"] == 1234
    assert parsed["LastModified"] == WHEN.replace(microsecond=0)


def test_s3_head_object_error_without_body_reads_as_the_status() -> None:
    # The gateway strips bodies from HEAD responses; botocore then names the error by status.
    error = ServiceError("Not Found", code="NoSuchKey")
    _, response = serve_error("s3", "HeadObject", error)
    response.body = b""
    operation = model("s3").operation_model("HeadObject")
    parsed = client_reads("s3", operation, response)
    assert parsed["Error"]["Code"] == "404"


@pytest.mark.parametrize(
    "body",
    [
        b"<Delete><Object><Key>a</Key></Object>",
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Delete>&x;</Delete>',
        b"\xff\xfe<\x00D\x00/\x00>\x00",
        b"<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>",
        b"<Delete><Quiet>true</Quiet></Delete>",
        b"",
    ],
    ids=["unclosed", "dtd", "not-utf8", "bad-boolean", "missing-required", "empty"],
)
def test_s3_bad_xml_bodies_are_malformed_xml(body: bytes) -> None:
    request = HttpRequest("POST", "/b", "delete", Headers(), body)
    with pytest.raises(ServiceError) as raised:
        server_parse("s3", "DeleteObjects", request)
    assert raised.value.error_code == "MalformedXML"
    assert raised.value.http_status == 400


def test_s3_missing_required_header_is_invalid_argument() -> None:
    request = HttpRequest("PUT", "/b/k", "", Headers({"x-amz-copy-source": "src/k"}))
    operation = model("s3").operation_model("CopyObject")
    wire = protocol_for("rest-xml")
    assert wire.parse(request, operation, {"Bucket": "b", "Key": "k"})["CopySource"] == "src/k"
    with pytest.raises(ServiceError) as raised:
        wire.parse(HttpRequest("PUT", "/b/k"), operation, {"Bucket": "b", "Key": "k"})
    assert raised.value.error_code == "InvalidArgument"
    assert "x-amz-copy-source" in raised.value.message


def test_s3_undecodable_header_is_invalid_argument() -> None:
    request = HttpRequest("PUT", "/b/k", "", Headers({"Content-Length": "ten"}), b"x")
    with pytest.raises(ServiceError) as raised:
        server_parse("s3", "PutObject", request)
    assert (raised.value.error_code, raised.value.http_status) == ("InvalidArgument", 400)
    assert raised.value.fields == {"ArgumentName": "Content-Length", "ArgumentValue": "ten"}


# -- whole botocore clients -------------------------------------------------------------------

Handler = Callable[[dict[str, Any]], Mapping[str, Any]]


def hooked_client(service: str, handlers: Mapping[str, Handler]) -> Any:
    """A botocore client whose requests our protocol parses and whose answers it serializes."""
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
    client = botocore.session.get_session().create_client(
        service,
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=config,
    )
    wire = protocol_for(model(service).protocol)

    def send(request: AWSPreparedRequest, event_name: str, **_: Any) -> AWSResponse:
        operation = model(service).operation_model(event_name.rsplit(".", 1)[-1])
        http = _http_request(request)
        try:
            params = server_parse(service, operation.name, http)
            response = wire.serialize(handlers[operation.name](params), operation, "req-9")
        except ServiceError as error:
            response = wire.serialize_error(error, model(service), operation, "req-9")
        if http.method == "HEAD":
            response.body = b""
        raw = Urllib3Response(
            body=io.BytesIO(response.body),
            headers=response.headers,
            status=response.status,
            preload_content=False,
            decode_content=False,
            # Without it urllib3 expects Content-Length bytes after a HEAD response too.
            request_method=http.method,
        )
        headers = HTTPHeaders()
        for name, value in response.headers.items():
            headers[name] = value
        return AWSResponse(request.url, response.status, headers, raw)

    client.meta.events.register("before-send", send)  # type: ignore[arg-type]
    return client


def test_botocore_s3_client_end_to_end() -> None:
    stored: dict[str, Any] = {}

    def put(params: dict[str, Any]) -> Mapping[str, Any]:
        stored.update(params)
        return {"ETag": '"etag"'}

    def get(params: dict[str, Any]) -> Mapping[str, Any]:
        if params["Key"] != stored["Key"]:
            raise ServiceError("No such key", code="NoSuchKey", fields={"Key": params["Key"]})
        body = stored["Body"]
        return {"Body": body, "ContentLength": len(body), "Metadata": stored["Metadata"]}

    def head(params: dict[str, Any]) -> Mapping[str, Any]:
        found = dict(get(params))
        del found["Body"]
        return found

    handlers: dict[str, Handler] = {
        "PutObject": put,
        "GetObject": get,
        "HeadObject": head,
        "GetBucketLocation": lambda p: {"LocationConstraint": "eu-west-1"},
    }
    s3 = hooked_client("s3", handlers)
    s3.put_object(Bucket="b", Key="a b/c.txt", Body=b"payload", Metadata={"Owner": "me"})
    assert stored["Body"] == b"payload"
    assert stored["Metadata"] == {"Owner": "me"}
    got = s3.get_object(Bucket="b", Key="a b/c.txt")
    assert got["Body"].read() == b"payload"
    assert got["Metadata"] == {"Owner": "me"}
    assert s3.head_object(Bucket="b", Key="a b/c.txt")["ContentLength"] == 7
    # GetBucketLocation is read by a botocore handler from the root element's text.
    assert s3.get_bucket_location(Bucket="b")["LocationConstraint"] == "eu-west-1"
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="b", Key="other")
    assert raised.value.response["Error"]["Code"] == "NoSuchKey"
    assert raised.value.response["Error"]["Key"] == "other"  # type: ignore[typeddict-item]
    with pytest.raises(ClientError) as raised:
        s3.head_object(Bucket="b", Key="other")
    assert raised.value.response["Error"]["Code"] == "404"


def test_botocore_lambda_client_end_to_end() -> None:
    def invoke(params: dict[str, Any]) -> Mapping[str, Any]:
        assert params["LogType"] == "Tail"
        return {"StatusCode": 200, "Payload": params["Payload"][::-1], "ExecutedVersion": "1"}

    def missing(params: dict[str, Any]) -> Mapping[str, Any]:
        raise ServiceError(
            f"Function not found: {params['FunctionName']}", code=("ResourceNotFoundException")
        )

    awslambda = hooked_client("lambda", {"Invoke": invoke, "GetFunction": missing})
    answer = awslambda.invoke(FunctionName="f", Payload=b"abc", LogType="Tail")
    assert answer["Payload"].read() == b"cba"
    assert answer["ExecutedVersion"] == "1"
    with pytest.raises(awslambda.exceptions.ResourceNotFoundException) as raised:
        awslambda.get_function(FunctionName="gone")
    assert raised.value.response["Error"]["Message"] == "Function not found: gone"
