"""What every engine is to the runtime and the gateway.

An engine reproduces one AWS service. Its public methods named after the service's operations in
snake_case (``put_record``, ``get_shard_iterator``) *are* its API: the gateway calls them with the
operation's top-level input members as snake_case keyword arguments (``StreamName`` becomes
``stream_name``; nested values keep AWS's member names) and serializes the returned dict, whose
keys are the output shape's member names. A method that also declares a ``context`` keyword
receives the ``RequestContext``. An operation without a method is answered as unimplemented.

Life cycle, driven by the runtime: ``start()`` once, then any number of operation calls,
``run_due()`` and ``flush()`` from any thread, then ``close()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from lakehose.clock import Clock
from lakehose.ids import IdGenerator


@dataclass(frozen=True)
class EngineEnvironment:
    """What the runtime gives every engine: where it lives and what it may ask for."""

    region: str
    account_id: str
    clock: Clock
    ids: IdGenerator
    directory: Path
    endpoint_url: str
    options: dict[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any) -> Any:
        """A per-service setting (``Lakehose(options={"kinesis.x": ...})``) or its default."""
        return self.options.get(name, default)


class Engine:
    """Base class of all engines; subclasses set ``service_name`` to botocore's service name."""

    service_name: ClassVar[str]

    def __init__(self, environment: EngineEnvironment) -> None:
        self.environment = environment
        self.clock = environment.clock
        self.ids = environment.ids
        self.region = environment.region
        self.account_id = environment.account_id

    def start(self) -> None:
        """Open storage and resume work left from the last run."""

    def run_due(self) -> None:
        """Do the work whose time has come by the clock (buffer intervals, expiries)."""

    def flush(self) -> None:
        """Do all pending buffered work now, regardless of the clock."""

    def close(self) -> None:
        """Release storage; after this the engine is not used again."""

    def health(self) -> str:
        """A one-word state for ``/_lakehose/health``."""
        return "running"
