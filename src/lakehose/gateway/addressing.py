"""Which service a request is for, and in which wire protocol it speaks.

The clues, strongest first:

1. ``smithy-protocol: rpc-v2-cbor`` with ``POST /service/<Service>/operation/<Op>``: Smithy RPC v2
   CBOR, the service named by its target prefix.
2. ``X-Amz-Target: <prefix>.<Op>``: awsJson, or Kinesis's CBOR flavour when the body is
   ``application/x-amz-cbor-1.1``.
3. The SigV4 credential scope's service: its REST protocol (Athena's rest-json), else its query
   protocol (STS), else its JSON protocol (then the operation is unknown: no target).
4. Lambda's versioned path prefixes, else S3 (path-style, or ``bucket.localhost``).

A request may name a protocol its service never spoke (CBOR to DynamoDB); it is still answered in
that protocol, with an error, so the client can read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lakehose.gateway.catalog import CBOR, RPC_V2_CBOR, ServiceCatalog, is_rpc
from lakehose.gateway.http import HttpRequest
from lakehose.gateway.sigv4 import read_signature

CBOR_CONTENT_TYPE = "application/x-amz-cbor-1.1"
RPC_V2_PATH = re.compile(r"/service/(?P<service>[^/]+)/operation/(?P<operation>[^/]+)")
# What a JSON-protocol body may be labelled: either awsJson version (AWS itself answers a
# version mismatch with a 404 page), plain JSON, or nothing for an empty body.
_JSON_CONTENT_TYPES = frozenset(
    {"", "application/x-amz-json-1.0", "application/x-amz-json-1.1", "application/json"}
)


@dataclass(frozen=True)
class Address:
    service: str
    protocol: str
    # Set when the request's Content-Type fits none of the protocol's body encodings.
    unsupported_content_type: str | None = None


class Addressing:
    """Resolves requests against a catalog's services and their protocols."""

    def __init__(self, catalog: ServiceCatalog, lambda_prefixes: set[str]) -> None:
        self.catalog = catalog
        self._lambda_prefixes = lambda_prefixes

    def resolve(self, request: HttpRequest) -> Address:
        if request.headers.get("smithy-protocol") is not None:
            found = RPC_V2_PATH.fullmatch(request.path)
            service = self.catalog.by_target_prefix.get(found["service"]) if found else None
            if service is not None:
                return Address(service, RPC_V2_CBOR)
        target = request.headers.get("x-amz-target")
        if target:
            service = self.catalog.by_target_prefix.get(target.partition(".")[0])
            if service is not None:
                return self._json_flavour(service, request)
        service = self.catalog.by_signing_name.get(read_signature(request).service or "")
        if service is not None:
            protocols = self.catalog.protocols(service)
            rest = [p for p in protocols if not is_rpc(p)]
            if rest:
                return Address(service, rest[0])
            if "query" in protocols:
                return Address(service, "query")
            return self._json_flavour(service, request)
        if request.path.lstrip("/").split("/")[0] in self._lambda_prefixes:
            return Address("lambda", "rest-json")
        return Address("s3", "rest-xml")

    def _json_flavour(self, service: str, request: HttpRequest) -> Address:
        content_type = media_type(request)
        if content_type == CBOR_CONTENT_TYPE:
            return Address(service, CBOR)
        if content_type in _JSON_CONTENT_TYPES:
            return Address(service, "json")
        return Address(service, "json", unsupported_content_type=content_type)


def media_type(request: HttpRequest) -> str:
    """The Content-Type without parameters (``; charset=UTF-8``), lower-cased."""
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()
