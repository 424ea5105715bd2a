"""The gateway's core: one HTTP request in, one HTTP response out, no service logic.

Steps, in AWS's order:

1. Admin paths (``/_lakehose/...``) are answered directly.
2. Find the service and the wire protocol the request speaks (``addressing``).
3. Check the signature when credentials are configured.
4. Find the operation (target, action or path for RPC protocols, else the URI template).
5. Decode a compressed body, parse the input with the request's wire protocol and validate it
   against the model.
6. Call the engine method named after the operation; an operation no engine implements is
   answered ``UnknownOperationException`` (S3: ``NotImplemented``), after validation as AWS does.
7. Serialize the result, or the ``ServiceError``, with the model's shapes and status codes.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Protocol

import orjson
from botocore import xform_name
from botocore.model import OperationModel

from lakehose import __version__
from lakehose.errors import InternalFailure, ServiceError, UnknownOperationException
from lakehose.gateway.addressing import Address, Addressing
from lakehose.gateway.catalog import ServiceCatalog, default_catalog, is_rpc
from lakehose.gateway.content_encoding import decoded
from lakehose.gateway.context import RequestContext
from lakehose.gateway.http import HttpRequest, HttpResponse
from lakehose.gateway.protocols import PROTOCOLS, WireProtocol, protocol_for
from lakehose.gateway.routing import RestRouter
from lakehose.gateway.sigv4 import read_signature, verify_signature
from lakehose.gateway.validation import missing_members, validate, validation_error
from lakehose.ids import IdGenerator
from lakehose.settings import Settings

logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/_lakehose/"
_VIRTUAL_HOST_SUFFIX = ".localhost"


class EngineHost(Protocol):
    """What the gateway needs from the runtime."""

    def engine(self, service: str) -> object | None: ...

    def flush(self) -> None: ...

    def health(self) -> dict[str, str]: ...

    def now(self) -> float: ...


class _Resolved:
    """A request on its way through the steps: service, protocol, operation."""

    def __init__(
        self, address: Address, protocol: WireProtocol, request: HttpRequest, signed: HttpRequest
    ) -> None:
        self.address = address
        self.service = address.service
        self.protocol = protocol
        self.request = request
        # The request as the client signed it, before any virtual-host rewrite.
        self.signed = signed
        self.operation: OperationModel | None = None


class Gateway:
    """Serves the AWS APIs of the engines ``host`` provides."""

    def __init__(
        self,
        host: EngineHost,
        settings: Settings,
        ids: IdGenerator,
        catalog: ServiceCatalog | None = None,
    ) -> None:
        self.host = host
        self.settings = settings
        self.ids = ids
        self.catalog = catalog or default_catalog()
        # Every protocol, served or not: a request in one its service never spoke is still
        # answered in it.
        self._protocols = {name: protocol_for(name) for name in PROTOCOLS}
        self._routers = {
            (service, protocol): RestRouter(self.catalog.model(service, protocol))
            for service in self.catalog.models
            for protocol in self.catalog.protocols(service)
            if not is_rpc(protocol)
        }
        lambda_router = self._routers.get(("lambda", "rest-json"))
        self._addressing = Addressing(
            self.catalog, lambda_router.first_segments() if lambda_router else set()
        )

    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ADMIN_PREFIX):
            return self._admin(request)
        request_id = self.ids.request_id()
        resolved = self._resolve_service(request)
        try:
            response = self._dispatch(resolved, request_id)
        except ServiceError as error:
            response = self._error(resolved, error, request_id)
        except Exception:
            logger.exception("internal error handling %s %s", request.method, request.path)
            failure = InternalFailure("Internal server error", code=self._internal_code(resolved))
            response = self._error(resolved, failure, request_id)
        if request.method == "HEAD":
            response.body = b""
        return response

    # -- steps ------------------------------------------------------------------------------

    def _resolve_service(self, request: HttpRequest) -> _Resolved:
        address = self._addressing.resolve(request)
        routed = _path_style(request) if address.service == "s3" else request
        return _Resolved(address, self._protocols[address.protocol], routed, request)

    def _dispatch(self, resolved: _Resolved, request_id: str) -> HttpResponse:
        request = resolved.request
        address = resolved.address
        signature = read_signature(request)
        if self.settings.credentials is not None:
            verify_signature(
                resolved.signed,
                self.settings.credentials,
                protocol=address.protocol,
                now=self.host.now(),
            )
        if address.unsupported_content_type is not None:
            raise UnknownOperationException(
                f"Unsupported Content-Type: {address.unsupported_content_type}", status=404
            )
        if not self.catalog.serves(address.service, address.protocol):
            raise UnknownOperationException(
                f"{address.service} is not served in the {address.protocol} protocol", status=404
            )
        uri_params: Mapping[str, str] = {}
        if is_rpc(address.protocol):
            name = resolved.protocol.operation_name(request)
            resolved.operation = self.catalog.operation(address.service, name, address.protocol)
        else:
            route = self._routers[(address.service, address.protocol)].match(
                request.method, request.path, request.query, request.headers
            )
            if route is not None:
                resolved.operation, uri_params = route.operation, route.uri_params
        operation = resolved.operation
        if operation is None:
            raise self._unknown_operation(resolved, None)
        if address.protocol != "rest-xml":
            request = decoded(request)
        params = resolved.protocol.parse(request, operation, uri_params)
        self._validate(resolved.protocol, params, operation)
        method = self._engine_method(resolved.service, operation)
        if method is None:
            raise self._unknown_operation(resolved, operation.name)
        context = RequestContext(
            service=resolved.service,
            operation=operation.name,
            region=signature.region or self.settings.region,
            account_id=self.settings.account_id,
            request_id=request_id,
            access_key_id=signature.access_key_id,
            host=request.host,
        )
        result = method(**_keyword_arguments(method, operation, params, context))
        return resolved.protocol.serialize(result or {}, operation, request_id)

    @staticmethod
    def _validate(
        protocol: WireProtocol, params: dict[str, Any], operation: OperationModel
    ) -> None:
        shape = operation.input_shape
        missing = missing_members(params, shape)
        if missing and (special := protocol.missing_member_error(missing)) is not None:
            raise special
        if protocol.name == "rest-xml":
            return  # S3 reports constraint breaches itself, not through Coral validation
        violations = validate(params, shape)
        if violations:
            raise validation_error(violations)

    def _engine_method(
        self, service: str, operation: OperationModel
    ) -> Callable[..., Mapping[str, Any] | None] | None:
        engine = self.host.engine(service)
        if engine is None:
            return None
        method = getattr(engine, xform_name(operation.name), None)
        return method if callable(method) else None

    def _unknown_operation(self, resolved: _Resolved, name: str | None) -> ServiceError:
        if resolved.service == "s3":
            return ServiceError(
                "A header you provided implies functionality that is not implemented",
                code="NotImplemented",
                status=501,
            )
        if name is None:
            return UnknownOperationException("")
        return UnknownOperationException(f"lakehose does not implement {resolved.service} {name}")

    @staticmethod
    def _internal_code(resolved: _Resolved) -> str:
        return "InternalError" if resolved.service == "s3" else "InternalFailure"

    def _error(self, resolved: _Resolved, error: ServiceError, request_id: str) -> HttpResponse:
        address = resolved.address
        served = self.catalog.serves(address.service, address.protocol)
        model = self.catalog.model(address.service, address.protocol if served else None)
        return resolved.protocol.serialize_error(error, model, resolved.operation, request_id)

    # -- admin ------------------------------------------------------------------------------

    def _admin(self, request: HttpRequest) -> HttpResponse:
        action = request.path[len(ADMIN_PREFIX) :].strip("/")
        if action == "health" and request.method == "GET":
            return _json(200, {"version": __version__, "services": self.host.health()})
        if action == "flush" and request.method == "POST":
            self.host.flush()
            return _json(200, {"flushed": True})
        return _json(404, {"error": f"no admin endpoint {request.method} {request.path}"})


def _json(status: int, document: Mapping[str, Any]) -> HttpResponse:
    body = orjson.dumps(document)
    return HttpResponse(status, {"Content-Type": "application/json"}, body)


def _path_style(request: HttpRequest) -> HttpRequest:
    """Rewrite ``bucket.localhost/key`` to ``/bucket/key``; path-style requests pass unchanged."""
    host = request.host.rsplit(":", 1)[0] if request.host.count(":") == 1 else request.host
    if host.endswith(_VIRTUAL_HOST_SUFFIX) and len(host) > len(_VIRTUAL_HOST_SUFFIX):
        bucket = host[: -len(_VIRTUAL_HOST_SUFFIX)]
        return HttpRequest(
            request.method, f"/{bucket}{request.path}", request.query, request.headers, request.body
        )
    return request


def _accepted(method: Callable[..., Any]) -> tuple[frozenset[str], bool]:
    """Keyword names a method accepts, and whether it takes ``**kwargs``."""
    # Cache by the plain function so the cache never keeps an engine alive.
    return _accepted_by_function(getattr(method, "__func__", method))


@lru_cache(maxsize=4096)
def _accepted_by_function(function: Callable[..., Any]) -> tuple[frozenset[str], bool]:
    parameters = inspect.signature(function).parameters.values()
    names = frozenset(p.name for p in parameters if p.kind is not p.VAR_KEYWORD)
    return names, any(p.kind is p.VAR_KEYWORD for p in parameters)


def _unsupported_parameter(operation: OperationModel, member: str) -> ServiceError:
    message = f"lakehose does not support the parameter {member} of {operation.name}"
    if operation.service_model.protocol == "rest-xml":
        # S3's own answer for a feature it does not offer.
        return ServiceError(message, code="NotImplemented", status=501)
    return ServiceError(message, code="ValidationException")


def _keyword_arguments(
    method: Callable[..., Any],
    operation: OperationModel,
    params: Mapping[str, Any],
    context: RequestContext,
) -> dict[str, Any]:
    names, open_ended = _accepted(method)
    arguments: dict[str, Any] = {}
    for member, value in params.items():
        keyword = xform_name(member)
        if keyword not in names and not open_ended:
            # Dropping an option silently would be fake success; refuse it instead.
            raise _unsupported_parameter(operation, member)
        arguments[keyword] = value
    if "context" in names:
        arguments["context"] = context
    return arguments
