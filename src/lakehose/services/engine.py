"""What every engine is to the runtime and the gateway.

An engine reproduces one AWS service. Its public methods named after the service's operations in
snake_case (``put_record``, ``get_shard_iterator``) *are* its API: the gateway calls them with the
operation's top-level input members as snake_case keyword arguments (``StreamName`` becomes
``stream_name``; nested values keep AWS's member names) and serializes the returned dict, whose
keys are the output shape's member names. A method that also declares a ``context`` keyword
receives the ``RequestContext``. An operation without a method is answered as unimplemented.

Life cycle, driven by the runtime: ``start()`` once, then any number of operation calls,
``run_due()`` and ``flush()`` from any thread, then ``close()``; or, when the process must end
at once (``lakehose up`` past its stop timeout), ``abandon()`` instead of ``close()``.

Those are an engine's only public methods, plus the few other engines' adapters
(``lakehose.wiring``) or the runtime call, which the engine lists in ``PORT_METHODS``; helpers
its mixins share are private. ``tests/core/test_engine_surface.py`` holds every engine to this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from lakehose.clock import Clock
from lakehose.ids import IdGenerator
from lakehose.options import declared
from lakehose.storage import Database, Migration, open_database


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

    def option(self, name: str) -> Any:
        """The value of the declared option ``name`` (``"kinesis.shard_limit"``, see
        ``lakehose/options.py``): the one given (``Lakehose(options={...})``, held here without
        its service prefix) or its declared default. An undeclared name raises."""
        declaration = declared(name)
        if declaration.key not in self.options:
            return declaration.default
        return declaration.check(self.options[declaration.key])


class Engine:
    """Base class of all engines; subclasses set ``service_name`` to botocore's service name."""

    service_name: ClassVar[str]
    # Public methods that are neither AWS operations nor the life cycle: what ports call.
    PORT_METHODS: ClassVar[frozenset[str]] = frozenset()

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

    def abandon(self) -> None:
        """End what the engine runs outside this process (subprocesses), without waiting: the
        process is about to exit without ``close()``. Called from any thread, in any state."""

    def health(self) -> str:
        """A one-word state for ``/_lakehose/health``."""
        return "running"


class SqliteEngine(Engine):
    """An engine whose state is one SQLite database in its directory.

    A subclass names the file and the schema (``database_file``, ``migrations`` from its own
    ``store`` module); this class opens the database at ``start()``, hands it out as ``db``, and
    closes it at ``close()``. A subclass that does more at start or close calls ``super()``
    (after opening, before closing).
    """

    database_file: ClassVar[str]
    migrations: ClassVar[Sequence[Migration]]
    _database: Database | None = None

    @property
    def db(self) -> Database:
        """The engine's database; a clear error before ``start()`` or after ``close()``."""
        if self._database is None:
            raise RuntimeError(f"the {self.service_name} engine is not started")
        return self._database

    def start(self) -> None:
        """Open the database (creating it and bringing its schema up to date)."""
        # "full": every commit is fsynced before it returns, so an acknowledged write survives
        # a power cut too; the runtime sets the engine's mode (its option, else --durability).
        full = self.environment.option(f"{self.service_name}.durability") == "full"
        self._database = open_database(
            self.environment.directory / self.database_file,
            self.migrations,
            synchronous="FULL" if full else "NORMAL",
        )

    def close(self) -> None:
        if self._database is not None:
            self._database.close()
            self._database = None

    def health(self) -> str:
        return "running" if self._database is not None else "stopped"
