"""The composition root: ``Lakehose`` owns the state directory, the engines and their workers.

Engines never import each other; where one needs another (Firehose reads Kinesis, Athena reads
Glue), the builder here passes it an adapter from ``lakehose.wiring`` that fulfils the consumer's
port with the provider engine. Engines are started in
pipeline order and closed in reverse, and ``flush()`` walks the same order so that work one engine
hands to the next is carried all the way through in one call.

Regional services have one engine per (account, region) scope, each in its own directory
(``registry``): the configured scope's and every scope found on disk are started with the runtime,
others on their first request. ``engine(service)`` is the configured scope's; adapters reach the
scope an ARN names. S3 and STS are global: one engine each.

The gateway (and with it botocore's models) is built on first use: by ``client()``, ``serve()``,
``endpoint()`` or the ``gateway`` property, so importing lakehose and running engines alone stay
light. The gateway knows the runtime only as its ``EngineHost``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from lakehose.clock import Clock, ManualClock, SystemClock
from lakehose.errors import ConfigurationError, LakehoseError
from lakehose.ids import IdGenerator
from lakehose.registry import EngineRegistry
from lakehose.scopes import GLOBAL_SERVICES, SERVICES, Scope, is_account, is_region
from lakehose.services.engine import Engine, EngineEnvironment
from lakehose.settings import Credentials, Settings
from lakehose.storage import ServerRecord, StateDirectory

if TYPE_CHECKING:
    import socket

    import boto3
    from botocore.client import BaseClient

    from lakehose.gateway.dispatcher import Gateway
    from lakehose.gateway.server import BackgroundServer

logger = logging.getLogger(__name__)

# How often the background worker asks engines for due work under the system clock.
TICK_SECONDS = 0.2

EngineBuilder = Callable[["Lakehose", EngineEnvironment], Engine]


def _build_kinesis(runtime: Lakehose, environment: EngineEnvironment) -> Engine:
    from lakehose.services.kinesis import KinesisEngine

    return KinesisEngine(environment)


def _build_s3(runtime: Lakehose, environment: EngineEnvironment) -> Engine:
    from lakehose.services.s3 import S3Engine

    return S3Engine(environment)


def _build_logs(runtime: Lakehose, environment: EngineEnvironment) -> Engine:
    from lakehose.services.logs import LogsEngine

    return LogsEngine(environment)


def _build_lambda(runtime: Lakehose, environment: EngineEnvironment) -> Engine:
    from lakehose.services.awslambda import LambdaEngine
    from lakehose.wiring.awslambda import (
        DynamoDBStreamRecords,
        EventSources,
        KinesisRecords,
        LogsSink,
        S3CodeSource,
        S3Destination,
    )

    credentials = runtime.settings.credentials
    if credentials is None and environment.account_id != runtime.settings.account_id:
        # Functions call back with their own account's 12-digit id as key, which selects it.
        credentials = Credentials(environment.account_id, "test")
    return LambdaEngine(
        environment,
        code_source=S3CodeSource(runtime),
        log_sink=LogsSink(runtime, _scope(environment)),
        stream_reader=EventSources(
            KinesisRecords(runtime, _scope(environment)),
            DynamoDBStreamRecords(runtime, _scope(environment)),
        ),
        destination=S3Destination(runtime),
        # Asked only when a worker starts, so an embedded runtime serves HTTP only if needed.
        endpoint=runtime.endpoint,
        credentials=credentials,
    )


def _build_dynamodb(runtime: Lakehose, environment: EngineEnvironment) -> Engine:
    from lakehose.services.dynamodb.engine import DynamoDBEngine
    from lakehose.wiring.dynamodb import ChangeRouter, KinesisChangeSink, S3ExportSink
    from lakehose.wiring.dynamodbstreams import DynamoDBStreamSink

    scope = _scope(environment)
    sink = ChangeRouter(KinesisChangeSink(runtime, scope), DynamoDBStreamSink(runtime, scope))
    return DynamoDBEngine(environment, sink=sink, exports=S3ExportSink(runtime))


def _build_dynamodbstreams(runtime: Lakehose, environment: EngineEnvironment) -> Engine:
    from lakehose.services.dynamodbstreams import DynamoDBStreamsEngine

    return DynamoDBStreamsEngine(environment)


def _build_glue(runtime: Lakehose, environment: EngineEnvironment) -> Engine:
    from lakehose.services.glue import GlueEngine
    from lakehose.wiring.glue import S3Objects

    return GlueEngine(environment, objects=S3Objects(runtime))


def _build_firehose(runtime: Lakehose, environment: EngineEnvironment) -> Engine:
    from lakehose.services.firehose import FirehoseEngine
    from lakehose.wiring.firehose import GlueColumns, KinesisSource, LambdaInvoker, S3Sink

    scope = _scope(environment)
    return FirehoseEngine(
        environment,
        source=KinesisSource(runtime, scope),
        sink=S3Sink(runtime),
        lambdas=LambdaInvoker(runtime, scope),
        catalog=GlueColumns(runtime, scope),
    )


def _build_sts(runtime: Lakehose, environment: EngineEnvironment) -> Engine:
    from lakehose.services.sts import STSEngine

    return STSEngine(environment)


def _build_athena(runtime: Lakehose, environment: EngineEnvironment) -> Engine:
    from lakehose.services.athena.engine import AthenaEngine
    from lakehose.wiring.athena import GlueCatalog, S3Store

    catalog = GlueCatalog(runtime, _scope(environment))
    return AthenaEngine(environment, catalog=catalog, objects=S3Store(runtime))


def _scope(environment: EngineEnvironment) -> Scope:
    return Scope(environment.account_id, environment.region)


# One builder per implemented service. Adapters look engines up per call, but an engine's
# start() may resume work through them, so providers are started first (BUILD_ORDER).
ENGINE_BUILDERS: dict[str, EngineBuilder] = {
    "dynamodb": _build_dynamodb,
    "dynamodbstreams": _build_dynamodbstreams,
    "kinesis": _build_kinesis,
    "s3": _build_s3,
    "lambda": _build_lambda,
    "glue": _build_glue,
    "firehose": _build_firehose,
    "athena": _build_athena,
    "logs": _build_logs,
    "sts": _build_sts,
}

BUILD_ORDER: tuple[str, ...] = (
    "s3",
    "logs",
    "lambda",
    "kinesis",
    "dynamodbstreams",
    "dynamodb",
    "glue",
    "firehose",
    "athena",
    "sts",
)


class Lakehose:
    """An embedded lakehose: the seven AWS services on one state directory.

    Use it as a context manager, or call ``start()`` and ``close()``::

        with Lakehose(home=tmp_path) as lake:
            kinesis = lake.client("kinesis")
    """

    def __init__(
        self,
        home: str | Path | None = None,
        *,
        clock: Clock | None = None,
        region: str | None = None,
        account_id: str | None = None,
        settings: Settings | None = None,
        seed: int | None = None,
        options: dict[str, Any] | None = None,
        background: bool = True,
        builders: Mapping[str, EngineBuilder] | None = None,
    ) -> None:
        """``builders`` replaces how the engines of some services are made (a stand-in engine
        in tests, a differently wired one when embedding); the rest are built as usual."""
        base = settings or Settings.from_env()
        self.settings = base.replace(
            home=Path(home) if home is not None else None,
            region=region,
            account_id=account_id,
            options={**base.options, **(options or {})} if options else None,
        )
        self.clock: Clock = clock or SystemClock()
        self.ids = IdGenerator(seed)
        self.state = StateDirectory(self.settings.home)
        self.scope = Scope(self.settings.account_id, self.settings.region)
        unknown = set(builders or {}) - set(SERVICES)
        if unknown:
            raise ConfigurationError(f"lakehose serves no service named {sorted(unknown)[0]!r}")
        self._builders: dict[str, EngineBuilder] = {**ENGINE_BUILDERS, **(builders or {})}
        self._engines = EngineRegistry(self._build)
        self._background = background
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self._started = False
        self._gateway: Gateway | None = None
        self._gateway_lock = threading.Lock()
        self._endpoint: str | None = None
        self._endpoint_lock = threading.Lock()
        self._loopback: BackgroundServer | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> Lakehose:
        if self.state.locked:
            return self
        self.state.acquire()
        try:
            self.state.home_scope(self.scope)
            # Every scope with stored state resumes its work (buffers, outboxes) at once.
            stored = self.state.stored_scopes()
            self._engines.open()
            for service in BUILD_ORDER:
                if service in self._builders:
                    self._engines.obtain(service, self.scope)
                    for scope in sorted({scope for scope, name in stored if name == service}):
                        self._engines.obtain(service, scope)
        except BaseException:
            self._close_engines()
            self.state.release()
            raise
        self._started = True
        if self._background:
            self._stopping.clear()
            self._worker = threading.Thread(target=self._tick, name="lakehose-worker", daemon=True)
            self._worker.start()
        return self

    def close(self) -> None:
        self._started = False
        self._stopping.set()
        if self._loopback is not None:
            self._loopback.stop()
            self._loopback = None
        self._endpoint = None
        if self._worker is not None:
            self._worker.join()
            self._worker = None
        self._close_engines()
        self._gateway = None
        self.state.release()

    def __enter__(self) -> Lakehose:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def environment(self, service: str, scope: Scope | None = None) -> EngineEnvironment:
        """What an engine for ``service`` in ``scope`` (default: the configured one) is given:
        its account, region, directory, clock, ids and options."""
        prefix = f"{service}."
        scope = scope or self.scope
        options = {
            key[len(prefix) :]: value
            for key, value in self.settings.options.items()
            if key.startswith(prefix)
        }
        if options.get("durability") is None:
            options["durability"] = self.settings.durability
        return EngineEnvironment(
            region=scope.region,
            account_id=scope.account_id,
            clock=self.clock,
            ids=self.ids,
            directory=self.state.service_dir(
                service, None if service in GLOBAL_SERVICES else scope
            ),
            endpoint_url=self.settings.endpoint_url,
            options=options,
        )

    # -- what the gateway and users call ------------------------------------------------------

    @property
    def gateway(self) -> Gateway:
        """The AWS wire gateway serving this runtime's engines, built on first use."""
        gateway = self._gateway
        if gateway is not None and self._started:
            return gateway
        with self._gateway_lock:
            if not self._started:
                raise LakehoseError(
                    "the runtime is not started; call start() or use it in a with block"
                )
            if self._gateway is None:
                from lakehose.gateway.dispatcher import Gateway

                self._gateway = Gateway(self, self.settings, self.ids)
            return self._gateway

    def engine(
        self, service: str, *, region: str | None = None, account_id: str | None = None
    ) -> Engine | None:
        """The engine of ``service`` for ``account_id`` in ``region`` (each defaulting to the
        configured one; ignored by global services), started on first use.

        ``None`` when the runtime is not started or the service is not implemented. A scope
        beyond the runtime's limit raises ``LimitExceededException``.
        """
        scope = Scope(account_id or self.scope.account_id, region or self.scope.region)
        if service not in self._builders:
            return None
        if not (is_account(scope.account_id) and is_region(scope.region)):
            return None  # not a scope AWS has; it holds nothing (and names no directory)
        return self._engines.obtain(service, scope)

    def endpoint(self) -> str:
        """An HTTP endpoint serving this runtime, for the subprocesses it starts.

        The ``lakehose up`` server's own address when there is one (``serving_at``); otherwise a
        loopback server started on first use and stopped by ``close()``.
        """
        with self._endpoint_lock:
            if self._endpoint is None:
                from lakehose.gateway.asgi import create_app
                from lakehose.gateway.server import BackgroundServer

                self._loopback = BackgroundServer(create_app(self.gateway))
                self._endpoint = self._loopback.endpoint
            return self._endpoint

    def serve(self, sock: socket.socket) -> None:
        """Serve the gateway over HTTP on ``sock`` (``lakehose up``) until SIGINT or SIGTERM,
        publishing the endpoint in the state directory meanwhile; the caller closes."""
        from lakehose.gateway.asgi import create_app
        from lakehose.gateway.server import serve

        stop_timeout = self.settings.stop_timeout
        serve(create_app(self.gateway), sock, _Publication(self), stop_timeout=stop_timeout)

    def serving_at(self, endpoint: str) -> None:
        """Record that a server publishes this runtime at ``endpoint``."""
        with self._endpoint_lock:
            self._endpoint = endpoint

    def now(self) -> float:
        return self.clock.now()

    def secret_for(self, access_key_id: str) -> str | None:
        """The secret of a key the gateway accepts when credentials are configured: the
        configured key's, or that of a live session STS issued (AssumeRole's ``ASIA...`` keys)."""
        credentials = self.settings.credentials
        if credentials is not None and access_key_id == credentials.access_key_id:
            return credentials.secret_access_key
        from lakehose.services.sts import STSEngine

        sts = self.engine("sts")
        if not isinstance(sts, STSEngine):
            return None
        session = sts.session(access_key_id)
        if session is None or session.expires <= self.now():
            return None
        return session.secret_access_key

    @property
    def home_id(self) -> str:
        """The id of the home this runtime owns, which its health answer names."""
        return self.state.home_id

    def health(self) -> dict[str, str]:
        """Per service, its engines' state: the first that is not running, if any is not."""
        states: dict[str, str] = {}
        for service in SERVICES:
            found = [engine.health() for engine in self._engines.instances(service)]
            troubled = [state for state in found if state != "running"]
            states[service] = troubled[0] if troubled else "running" if found else "unavailable"
        return states

    def abandon(self) -> None:
        """Before the process exits without closing: every engine ends its subprocesses now."""
        for service in SERVICES:
            for engine in self._engines.instances(service):
                try:
                    engine.abandon()
                except Exception:
                    logger.exception("abandoning the %s engine failed", service)

    def flush(self) -> None:
        """Run all pending buffered work now, in pipeline order (table to stream to lake),
        in every scope."""
        for service in SERVICES:
            for engine in self._engines.instances(service):
                engine.flush()

    def run_due(self) -> None:
        """Run the work whose time has come by the clock, in every scope."""
        for service in BUILD_ORDER:
            for engine in self._engines.instances(service):
                engine.run_due()

    def advance(self, seconds: float) -> None:
        """Move a manual clock forward and run what became due."""
        if not isinstance(self.clock, ManualClock):
            raise ConfigurationError("advance() needs Lakehose(clock=ManualClock())")
        self.clock.advance(seconds)
        self.run_due()

    def client(self, service: str, **kwargs: Any) -> BaseClient:
        """A boto3 client whose requests go through this runtime's gateway, without a socket."""
        from lakehose.gateway.inprocess import in_process_client

        return in_process_client(self, service, **kwargs)

    def session(self) -> boto3.session.Session:
        """A boto3 session whose clients go through this runtime's gateway, without a socket
        (for libraries that take a session: awswrangler, PyAthena)."""
        from lakehose.gateway.inprocess import in_process_session

        return in_process_session(self)

    # -- internals ----------------------------------------------------------------------------

    def _tick(self) -> None:
        while not self._stopping.wait(TICK_SECONDS):
            try:
                self.run_due()
            except Exception:
                # A failing engine must not stop the others' timers; it is logged and retried.
                logger.exception("background work failed")

    def _build(self, service: str, scope: Scope | None) -> Engine:
        return self._builders[service](self, self.environment(service, scope))

    def _close_engines(self) -> None:
        def failed(engine: Engine) -> None:
            logger.exception(
                "closing the %s engine of %s %s failed",
                engine.service_name,
                engine.account_id,
                engine.region,
            )

        self._engines.close(tuple(reversed(BUILD_ORDER)), failed)


class _Publication:
    """Where ``lakehose up`` serves this runtime: told to the runtime (``serving_at``) and
    recorded in the state directory for CLI commands, until the server stops."""

    def __init__(self, runtime: Lakehose) -> None:
        self._runtime = runtime

    def serving(self, endpoint: str) -> None:
        self._runtime.serving_at(endpoint)
        state = self._runtime.state
        state.write_server(ServerRecord(endpoint, os.getpid(), state.home_id))

    def stopped(self) -> None:
        self._runtime.state.clear_server()

    def abandoned(self) -> None:
        self._runtime.abandon()
