"""The engine instances a runtime owns: one per global service, one per scope for the others.

A regional engine for a new (account, region) is built on first use: the first request signed
for eu-west-1 opens eu-west-1's Kinesis, in its own directory. Finding an instance that exists
takes no lock (a dict read), so only the rare first use of a scope waits; the lock is re-entrant
because starting an engine may look up another (Firehose resuming reads Kinesis).

The number of scopes is bounded: a signature's region and a 12-digit access key are client
input, and every scope costs open databases and directories.

Adapters (``lakehose.wiring``) reach the engines they adapt through ``EngineLookup``: typed, per
call (``Lakehose.register`` may replace an engine), in the scope they ask for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from lakehose.errors import ServiceError
from lakehose.scopes import GLOBAL_SERVICES, Scope
from lakehose.services.engine import Engine

# Far more than AWS's regions times a handful of accounts; far fewer than exhaust a process.
MAX_SCOPES = 64

Key = tuple[str, Scope | None]
Builder = Callable[[str, Scope | None], Engine]


class LimitExceededException(ServiceError):
    """A request names one more (account, region) than the runtime will open."""

    status = 400


class EngineRegistry:
    """Engines by service and scope (``None`` for global services), built lazily by ``build``."""

    def __init__(self, build: Builder, *, max_scopes: int = MAX_SCOPES) -> None:
        self._build = build
        self._max_scopes = max_scopes
        self._engines: dict[Key, Engine] = {}
        self._lock = threading.RLock()
        self._open = False

    @staticmethod
    def key(service: str, scope: Scope) -> Key:
        return (service, None if service in GLOBAL_SERVICES else scope)

    def open(self) -> None:
        """Allow building; before this and after ``close`` only existing engines are found."""
        self._open = True

    def find(self, service: str, scope: Scope) -> Engine | None:
        return self._engines.get(self.key(service, scope))

    def obtain(self, service: str, scope: Scope) -> Engine | None:
        """The engine of ``service`` in ``scope``, built and started if there is none yet."""
        key = self.key(service, scope)
        found = self._engines.get(key)
        if found is not None or not self._open:
            return found
        with self._lock:
            found = self._engines.get(key)
            if found is None and self._open:
                if key[1] is not None and key[1] not in self.scopes():
                    self._check_room(key[1])
                found = self._build(service, key[1])
                found.start()
                self._engines[key] = found
            return found

    def instances(self, service: str) -> list[Engine]:
        """Every engine of ``service``, oldest first (a snapshot; safe while others are built)."""
        return [engine for (name, _), engine in list(self._engines.items()) if name == service]

    def scopes(self) -> set[Scope]:
        return {scope for (_, scope) in list(self._engines) if scope is not None}

    def close(self, order: tuple[str, ...], on_error: Callable[[Engine], None]) -> None:
        """Stop building, then close every engine, services in ``order``."""
        with self._lock:
            self._open = False
            engines = dict(self._engines)
            self._engines.clear()
        ranked = sorted(engines.items(), key=lambda item: _rank(order, item[0][0]))
        for _, engine in ranked:
            try:
                engine.close()
            except Exception:
                on_error(engine)

    def _check_room(self, scope: Scope) -> None:
        if len(self.scopes()) >= self._max_scopes:
            raise LimitExceededException(
                f"lakehose serves at most {self._max_scopes} account and region scopes per state "
                f"directory; account {scope.account_id} in {scope.region} would be one more"
            )


class EngineSource(Protocol):
    """What adapters need of the runtime: its configured scope, and engines by service and scope."""

    @property
    def scope(self) -> Scope: ...

    def engine(
        self, service: str, *, region: str | None = None, account_id: str | None = None
    ) -> Engine | None: ...


E = TypeVar("E", bound=Engine)


class EngineLookup(Generic[E]):
    """The ``kind`` engine of ``service``, looked up in ``engines`` on every call.

    Calling it with a scope (default: the runtime's configured one) returns the engine, or raises
    ``missing()`` when no engine of that kind serves the scope. A ``ServiceError`` of the lookup
    itself (a scope beyond the runtime's limit) is raised as ``refused(error)`` when given.
    """

    def __init__(
        self,
        engines: EngineSource,
        service: str,
        kind: type[E],
        *,
        missing: Callable[[], Exception],
        refused: Callable[[ServiceError], Exception] | None = None,
    ) -> None:
        self.engines = engines
        self.service = service
        self.kind = kind
        self._missing = missing
        self._refused = refused

    def __call__(self, scope: Scope | None = None) -> E:
        try:
            found = self.engines.engine(
                self.service,
                region=scope.region if scope is not None else None,
                account_id=scope.account_id if scope is not None else None,
            )
        except ServiceError as error:
            if self._refused is None:
                raise
            raise self._refused(error) from None
        if not isinstance(found, self.kind):
            raise self._missing()
        return found


def _rank(order: tuple[str, ...], service: str) -> int:
    return order.index(service) if service in order else len(order)
