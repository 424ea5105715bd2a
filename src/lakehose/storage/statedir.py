"""The state directory: one owner at a time, one sub-directory per engine.

Layout::

    <home>/
      owner.lock         flock'd by the runtime that owns the directory
      server.json        endpoint of the running ``lakehose up`` (absent when none runs)
      <service>/         each engine's own files (SQLite databases, objects)

The lock is an advisory ``flock`` on ``owner.lock``. The kernel drops it when the owning process
dies, even by ``kill -9``, so a crashed runtime never leaves the directory locked.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lakehose.errors import StateDirectoryLocked

_LOCK_FILE = "owner.lock"
_SERVER_FILE = "server.json"


@dataclass(frozen=True)
class ServerRecord:
    """Where the server owning a state directory listens."""

    endpoint_url: str
    pid: int


class StateDirectory:
    """A lakehose home directory, locked for exclusive use while open."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self._lock_handle: IO[str] | None = None

    def acquire(self) -> None:
        """Create the directory if needed and take the owner lock (``StateDirectoryLocked``)."""
        self.path.mkdir(parents=True, exist_ok=True)
        handle = open(self.path / _LOCK_FILE, "a+")  # noqa: SIM115 - held for the runtime's life
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            owner = self.read_server()
            where = f" (server at {owner.endpoint_url}, pid {owner.pid})" if owner else ""
            raise StateDirectoryLocked(
                f"state directory {self.path} is in use by another lakehose runtime{where}; "
                "stop it or choose another --home"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock_handle = handle

    def release(self) -> None:
        if self._lock_handle is None:
            return
        self.clear_server()
        fcntl.flock(self._lock_handle.fileno(), fcntl.LOCK_UN)
        self._lock_handle.close()
        self._lock_handle = None

    @property
    def locked(self) -> bool:
        return self._lock_handle is not None

    def service_dir(self, service: str) -> Path:
        """The directory that belongs to one engine, created on first use."""
        directory = self.path / service
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    def write_server(self, record: ServerRecord) -> None:
        """Publish the server's endpoint so CLI commands can find it (atomic replace)."""
        target = self.path / _SERVER_FILE
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps({"endpoint_url": record.endpoint_url, "pid": record.pid}))
        os.replace(temporary, target)

    def read_server(self) -> ServerRecord | None:
        try:
            data = json.loads((self.path / _SERVER_FILE).read_text())
            return ServerRecord(str(data["endpoint_url"]), int(data["pid"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def clear_server(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.path / _SERVER_FILE).unlink()
