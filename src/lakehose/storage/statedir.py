"""The state directory: one owner at a time, one sub-directory per engine.

Layout::

    <home>/
      owner.lock         flock'd by the runtime that owns the directory
      server.json        endpoint of the running ``lakehose up`` (absent when none runs)
      scope.json         the account and region whose engines own the top-level directories
      <service>/         each engine's own files (SQLite databases, objects): the global
                         services' and the home scope's regional ones
      scopes/<account>/<region>/<service>/
                         a regional engine's files in any other account or region

The home scope is the configured account and region when the home was first opened (homes from
before regions existed have every engine at the top level, so they keep working). It is recorded
rather than recomputed: starting later with another ``--region`` must not relabel the stored
resources, whose ARNs name the region they were made in.

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

from lakehose.errors import StateDirectoryLocked, StorageError
from lakehose.scopes import Scope, is_account, is_region

_LOCK_FILE = "owner.lock"
_SERVER_FILE = "server.json"
_SCOPE_FILE = "scope.json"
_SCOPES_DIR = "scopes"


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
        self._home_scope: Scope | None = None

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

    def home_scope(self, default: Scope) -> Scope:
        """The scope of the top-level engine directories, recorded as ``default`` on first use."""
        if self._home_scope is None:
            recorded = self._read_scope()
            if recorded is None:
                recorded = default
                _write_atomically(
                    self.path / _SCOPE_FILE,
                    json.dumps({"account_id": default.account_id, "region": default.region}),
                )
            self._home_scope = recorded
        return self._home_scope

    def service_dir(self, service: str, scope: Scope | None = None) -> Path:
        """The directory that belongs to one engine, created on first use.

        ``scope`` is ``None`` for a global service (and for the home scope, whose engines live
        at the top level too); ``home_scope`` must have been called before any other scope.
        """
        if scope is None or scope == self._home_scope:
            directory = self.path / service
        else:
            if self._home_scope is None:
                raise StorageError("the home scope of the state directory is not known yet")
            directory = self.path / _SCOPES_DIR / scope.account_id / scope.region / service
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    def stored_scopes(self) -> list[tuple[Scope, str]]:
        """Each (scope, directory name) with engine files: the top-level directories as the home
        scope's (global services' among them), then those under ``scopes/``."""
        home = self._home_scope
        if home is None:
            raise StorageError("the home scope of the state directory is not known yet")
        found = [
            (home, entry.name)
            for entry in sorted(self.path.iterdir())
            if entry.is_dir() and entry.name != _SCOPES_DIR
        ]
        root = self.path / _SCOPES_DIR
        if not root.is_dir():
            return found
        for account in sorted(root.iterdir()):
            if not (account.is_dir() and is_account(account.name)):
                continue
            for region in sorted(account.iterdir()):
                if not (region.is_dir() and is_region(region.name)):
                    continue
                scope = Scope(account.name, region.name)
                found += [(scope, s.name) for s in sorted(region.iterdir()) if s.is_dir()]
        return found

    def _read_scope(self) -> Scope | None:
        try:
            data = json.loads((self.path / _SCOPE_FILE).read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise StorageError(f"{self.path / _SCOPE_FILE} is unreadable: {error}") from None
        account = data.get("account_id") if isinstance(data, dict) else None
        region = data.get("region") if isinstance(data, dict) else None
        if not isinstance(account, str) or not isinstance(region, str):
            raise StorageError(f"{self.path / _SCOPE_FILE} names no account and region")
        if not (is_account(account) and is_region(region)):
            raise StorageError(f"{self.path / _SCOPE_FILE} names no account and region")
        return Scope(account, region)

    def write_server(self, record: ServerRecord) -> None:
        """Publish the server's endpoint so CLI commands can find it (atomic replace)."""
        document = {"endpoint_url": record.endpoint_url, "pid": record.pid}
        _write_atomically(self.path / _SERVER_FILE, json.dumps(document))

    def read_server(self) -> ServerRecord | None:
        try:
            data = json.loads((self.path / _SERVER_FILE).read_text())
            return ServerRecord(str(data["endpoint_url"]), int(data["pid"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def clear_server(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.path / _SERVER_FILE).unlink()


def _write_atomically(target: Path, text: str) -> None:
    temporary = target.with_suffix(".tmp")
    temporary.write_text(text)
    os.replace(temporary, target)
