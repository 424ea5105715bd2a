"""The gateway's core: one HTTP request in, one HTTP response out, no service logic.

Steps, in AWS's order:

1. Admin paths (``/_lakehose/...``) are answered directly; all but ``GET health`` must be signed.
2. Find the service and the wire protocol the request speaks (``addressing``); an unsigned
   ``GET /`` is DynamoDB's health check.
3. Require a signature (``authentication``): checked when credentials are configured, its
   structure only when not; S3 reads a bucket policy makes public may be anonymous.
4. Find the operation (target, action or path for RPC protocols, else the URI template).
5. Decode a compressed body, parse the input with the request's wire protocol and validate it
   against the model.
6. Call the engine method named after the operation; an operation no engine implements is
   answered ``UnknownOperationException`` (S3: ``NotImplemented``), after validation as AWS does.
7. Serialize the result, or the ``ServiceError``, with the model's shapes and status codes.
"""

from __future__ import annotations

import contextlib
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
from lakehose.gateway.anonymous import policy_reader
from lakehose.gateway.authentication import authenticate, dynamodb_health, served_unsigned
from lakehose.gateway.catalog import CBOR, ServiceCatalog, default_catalog, is_rpc
from lakehose.gateway.content_encoding import decoded
from lakehose.gateway.context import RequestContext
from lakehose.gateway.http import HttpRequest, HttpResponse
from lakehose.gateway.protocols import PROTOCOLS, WireProtocol, protocol_for
from lakehose.gateway.routing import RestRouter
from lakehose.gateway.scoping import request_scope
from lakehose.gateway.sigv4 import read_signature
from lakehose.gateway.validation import missing_members, validate, validation_error
from lakehose.ids import IdGenerator
from lakehose.scopes import Scope
from lakehose.settings import Settings

logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/_lakehose/"
# The service name admin requests are signed for (the credential scope's fourth part).
ADMIN_SIGNING_NAME = "lakehose"
_VIRTUAL_HOST_SUFFIX = ".localhost"


class EngineHost(Protocol):
    """What the gateway needs from the runtime."""

    def engine(
        self, service: str, *, region: str | None = None, account_id: str | None = None
    ) -> object | None: ...

    def flush(self) -> None: ...

    def health(self) -> dict[str, str]: ...

    @property
    def home_id(self) -> str: ...

    def now(self) -> float: ...

    def secret_for(self, access_key_id: str) -> str | None: ...


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
        if (health := dynamodb_health(request, self.settings.region, request_id)) is not None:
            return health
        resolved = self._resolve_service(request)
        if resolved.service in ("dynamodb", "dynamodbstreams"):
            # DynamoDB's request ids are 52 characters of [0-9A-Z] (dynalite's AWS-recorded
            # tests); the other services send UUIDs.
            request_id = self.ids.alphanumeric(52)
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

    def identify(self, request: HttpRequest) -> tuple[str, str]:
        """The service and protocol of ``request``, from its headers and path alone.

        Reads no body: the network edge picks a body's size limit with it before reading one.
        """
        address = self._addressing.resolve(request)
        return address.service, address.protocol

    def operation_named(self, request: HttpRequest) -> OperationModel | None:
        """The operation ``request`` names (its target, action or route), if it names one."""
        resolved = self._resolve_service(request)
        with contextlib.suppress(Exception):  # an unnamed operation is simply not known yet
            return self._find_operation(resolved)[0]
        return None

    def _find_operation(
        self, resolved: _Resolved
    ) -> tuple[OperationModel | None, Mapping[str, str]]:
        """The operation a request names and its URI labels: the target, action or path of an
        RPC protocol, else the URI template that matches."""
        address, request = resolved.address, resolved.request
        if is_rpc(address.protocol):
            name = resolved.protocol.operation_name(request)
            return self.catalog.operation(address.service, name, address.protocol), {}
        router = self._routers.get((address.service, address.protocol))
        if router is None:
            return None, {}
        route = router.match(request.method, request.path, request.query, request.headers)
        return (route.operation, route.uri_params) if route is not None else (None, {})

    def refuse(self, request: HttpRequest, error: ServiceError) -> HttpResponse:
        """``error`` in the protocol ``request`` speaks, for refusals made before the gateway ran
        (a body over its limit or too slow); no engine is reached."""
        return self._error(self._resolve_service(request), error, self.ids.request_id())

    # -- steps ------------------------------------------------------------------------------

    def _resolve_service(self, request: HttpRequest) -> _Resolved:
        address = self._addressing.resolve(request)
        routed = _path_style(request) if address.service == "s3" else request
        return _Resolved(address, self._protocols[address.protocol], routed, request)

    def _dispatch(self, resolved: _Resolved, request_id: str) -> HttpResponse:
        request = resolved.request
        address = resolved.address
        signature = read_signature(request)
        authenticate(
            resolved.signed,
            protocol=address.protocol,
            service=self.catalog.model(address.service).signing_name or address.service,
            credentials=self.settings.credentials,
            now=self.host.now(),
            served_unsigned=lambda: self._served_unsigned(resolved),
            secret_for=self.host.secret_for,
        )
        scope = request_scope(signature, self.settings, address.protocol)
        if address.unsupported_content_type is not None:
            raise UnknownOperationException(
                f"Unsupported Content-Type: {address.unsupported_content_type}", status=404
            )
        if address.unknown_target:
            raise UnknownOperationException("")
        if address.protocol in ("json", CBOR) and request.method != "POST":
            raise _not_posted(address.service)
        if not self.catalog.serves(address.service, address.protocol):
            raise UnknownOperationException(
                f"{address.service} is not served in the {address.protocol} protocol", status=404
            )
        resolved.operation, uri_params = self._find_operation(resolved)
        operation = resolved.operation
        if operation is None:
            requested = (
                resolved.protocol.operation_name(request) if is_rpc(address.protocol) else ""
            )
            model = self.catalog.model(address.service)
            raise resolved.protocol.unknown_operation(
                requested or None, model
            ) or self._unknown_operation(resolved, None)
        if address.protocol != "rest-xml":
            request = decoded(request)
        params = resolved.protocol.parse(request, operation, uri_params)
        method = self._engine_method(resolved.service, operation, scope)
        self._validate(resolved.protocol, params, operation, _engine_required(method, operation))
        if method is None:
            raise self._unknown_operation(resolved, operation.name)
        context = RequestContext(
            service=resolved.service,
            operation=operation.name,
            region=scope.region,
            account_id=scope.account_id,
            request_id=request_id,
            access_key_id=signature.access_key_id,
            host=request.host,
        )
        result = method(**_keyword_arguments(method, operation, params, context))
        return resolved.protocol.serialize(result or {}, operation, request_id)

    @staticmethod
    def _validate(
        protocol: WireProtocol,
        params: dict[str, Any],
        operation: OperationModel,
        also_required: frozenset[str] = frozenset(),
    ) -> None:
        shape = operation.input_shape
        missing = missing_members(params, shape)
        if missing and (special := protocol.missing_member_error(missing)) is not None:
            raise special
        if protocol.name == "rest-xml":
            return  # S3 reports constraint breaches itself, not through Coral validation
        violations = validate(params, shape, also_required)
        if violations:
            raise validation_error(violations)

    def _served_unsigned(self, resolved: _Resolved) -> bool:
        return served_unsigned(
            resolved.request,
            resolved.address.protocol,
            self.operation_named(resolved.signed),
            # Anonymous requests act in the configured account, whose buckets these are.
            lambda: policy_reader(self.host.engine("s3")),
        )

    def _engine_method(
        self, service: str, operation: OperationModel, scope: Scope
    ) -> Callable[..., Mapping[str, Any] | None] | None:
        engine = self.host.engine(service, region=scope.region, account_id=scope.account_id)
        if engine is None:
            return None
        method = getattr(engine, xform_name(operation.name), None)
        return method if callable(method) else None

    def _unknown_operation(self, resolved: _Resolved, name: str | None) -> ServiceError:
        if resolved.service == "s3":
            # S3's code and text for a feature it lacks; the operation is named when known.
            named = f" (lakehose does not implement S3 {name})" if name else ""
            return ServiceError(
                f"A header you provided implies functionality that is not implemented{named}",
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
            # The home's id lets a client tell this server from one serving another home.
            document = {
                "version": __version__,
                "home_id": self.host.home_id,
                "services": self.host.health(),
            }
            return _json(200, document)
        try:
            # Everything but health changes state: a cross-site page must not reach it.
            authenticate(
                request,
                protocol="json",
                service=ADMIN_SIGNING_NAME,
                credentials=self.settings.credentials,
                now=self.host.now(),
            )
        except ServiceError as error:
            return _json(403, {"error": error.message, "code": error.error_code})
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


def _not_posted(service: str) -> ServiceError:
    """A target-addressed service's answer to a GET, PUT, DELETE... (awsJson is POST only).

    Kinesis answers 403 ``AccessDeniedException`` "Unable to determine service/operation name to
    be authorized" (kinesalite's AWS-recorded connection tests; AWS sends it as a bare XML page,
    lakehose in the request's protocol); DynamoDB 404 ``UnknownOperationException``.
    """
    if service == "kinesis":
        return ServiceError(
            "Unable to determine service/operation name to be authorized",
            code="AccessDeniedException",
            status=403,
        )
    return UnknownOperationException("", status=404)


def _engine_required(
    method: Callable[..., Any] | None, operation: OperationModel
) -> frozenset[str]:
    """Input members the engine method cannot do without (keyword-only, no default).

    A model may mark a member optional that the service still requires unless an alternative
    is given (CreateTable's ``KeySchema`` in newer models); validation reports those as Coral
    does for required members rather than letting the call fail.
    """
    shape = operation.input_shape
    if method is None or shape is None:
        return frozenset()
    needed = _required_by_function(getattr(method, "__func__", method))
    return frozenset(name for name in shape.members if xform_name(name) in needed)


@lru_cache(maxsize=4096)
def _required_by_function(function: Callable[..., Any]) -> frozenset[str]:
    parameters = inspect.signature(function).parameters.values()
    return frozenset(
        p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.default is p.empty
    )


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
