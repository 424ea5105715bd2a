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
that protocol, with an error, so the client can read it. A target whose prefix no service uses
(``Whatever.ListTables``) is an unknown operation of the JSON service the credential scope names
(else of the JSON service whose awsJson version the Content-Type names): it never falls through
to S3, and its operation part is never looked up in another service.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lakehose.gateway.catalog import CBOR, RPC_V2_CBOR, ServiceCatalog, is_rpc
from lakehose.gateway.http import HttpRequest
from lakehose.gateway.protocols.cbor_rpc import CBOR_CONTENT_TYPE
from lakehose.gateway.protocols.query import FORM_CONTENT_TYPE
from lakehose.gateway.protocols.rpc_v2_cbor import RPC_V2_PATH
from lakehose.gateway.sigv4 import read_signature

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
    # Set when the X-Amz-Target's prefix belongs to no service.
    unknown_target: bool = False


class Addressing:
    """Resolves requests against a catalog's services and their protocols."""

    def __init__(self, catalog: ServiceCatalog, lambda_prefixes: set[str]) -> None:
        self.catalog = catalog
        self._lambda_prefixes = lambda_prefixes
        self._query_services = [s for s in catalog.models if "query" in catalog.protocols(s)]

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
            service = self._json_service(request)
            if service is not None:
                return replace(self._json_flavour(service, request), unknown_target=True)
        service = self.catalog.by_signing_name.get(read_signature(request).service or "")
        if service is not None:
            protocols = self.catalog.protocols(service)
            rest = [p for p in protocols if not is_rpc(p)]
            if rest:
                return Address(service, rest[0])
            if "query" in protocols:
                return Address(service, "query")
            return self._json_flavour(service, request)
        if (
            request.method == "POST"
            and request.media_type == FORM_CONTENT_TYPE
            and self._query_services
        ):
            # An unsigned form POST: an operation a query service serves without a signature
            # (STS AssumeRoleWithWebIdentity). S3's browser uploads are multipart, never this.
            return Address(self._query_services[0], "query")
        if request.path.lstrip("/").split("/")[0] in self._lambda_prefixes:
            return Address("lambda", "rest-json")
        return Address("s3", "rest-xml")

    def _json_service(self, request: HttpRequest) -> str | None:
        """The target-addressed service a request with a foreign target prefix is answered by.

        The credential scope's service when it speaks awsJson; with no scope, the first such
        service whose awsJson version is the Content-Type's; ``None`` when the scope names a
        REST service (an S3 or Lambda request may carry any header).
        """
        scoped = self.catalog.by_signing_name.get(read_signature(request).service or "")
        by_target = set(self.catalog.by_target_prefix.values())
        if scoped is not None:
            return scoped if scoped in by_target else None
        version = request.media_type.rpartition("-")[2]
        candidates = [name for name in self.catalog.models if name in by_target]
        for name in candidates:
            if self.catalog.model(name).metadata.get("jsonVersion") == version:
                return name
        return candidates[0] if candidates else None

    def _json_flavour(self, service: str, request: HttpRequest) -> Address:
        content_type = request.media_type
        if content_type == CBOR_CONTENT_TYPE:
            return Address(service, CBOR)
        if content_type in _JSON_CONTENT_TYPES:
            return Address(service, "json")
        return Address(service, "json", unsupported_content_type=content_type)
