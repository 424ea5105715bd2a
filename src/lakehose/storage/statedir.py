"""The state directory: one owner at a time, one sub-directory per engine.

Layout::

    <home>/
      home.json          the home's id and the format version of its layout
      owner.lock         flock'd by the runtime that owns the directory
      server.json        endpoint and home id of the running ``lakehose up`` (absent when none
                         runs; left behind by one killed with -9)
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

``home.json`` is written when a runtime first takes the lock. Its random id is what a server
names in its health answer, so that a CLI command finding a ``server.json`` left by a killed
server can tell whether the server now answering at that address serves this home; its format
version makes a lakehose refuse a home written by a newer one rather than misread it. A file
here that cannot be read is reported by name and left as it is, never replaced.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lakehose.errors import StateDirectoryLocked, StorageError
from lakehose.scopes import Scope, is_account, is_region

_HOME_FILE = "home.json"
_LOCK_FILE = "owner.lock"
_SERVER_FILE = "server.json"
_SCOPE_FILE = "scope.json"
_SCOPES_DIR = "scopes"
# The layout version this lakehose writes and reads; a higher one is a newer lakehose's.
HOME_FORMAT = 1


@dataclass(frozen=True)
class ServerRecord:
    """Where the server owning a state directory listens."""

    endpoint_url: str
    pid: int
    # The id of the home the server serves (empty in records from before home ids).
    home_id: str = ""


class StateDirectory:
    """A lakehose home directory, locked for exclusive use while open."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self._lock_handle: IO[str] | None = None
        self._home_scope: Scope | None = None
        self._home_id: str | None = None

    def acquire(self) -> None:
        """Create the directory if needed and take the owner lock (``StateDirectoryLocked``)."""
        self.path.mkdir(parents=True, exist_ok=True)
        handle = open(self.path / _LOCK_FILE, "a+")  # noqa: SIM115 - held for the runtime's life
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            owner = None
            with contextlib.suppress(StorageError):
                owner = self.read_server()
            where = f" (server at {owner.endpoint_url}, pid {owner.pid})" if owner else ""
            raise StateDirectoryLocked(
                f"state directory {self.path} is in use by another lakehose runtime{where}; "
                "stop it or choose another --home"
            ) from None
        try:
            self._home_id = self._adopt_home()
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock_handle = handle

    @property
    def home_id(self) -> str:
        """The id of this home (recorded in ``home.json``); known once the lock is taken."""
        if self._home_id is None:
            raise StorageError(f"the id of {self.path} is known only to the runtime that owns it")
        return self._home_id

    def recorded_home_id(self) -> str | None:
        """The id ``home.json`` records, read without the lock (``None``: none yet)."""
        document = self._read_json(_HOME_FILE)
        return None if document is None else self._check_home(document)

    def _adopt_home(self) -> str:
        """This home's id, recording a new one (and the format) when the home has none."""
        document = self._read_json(_HOME_FILE)
        if document is not None:
            return self._check_home(document)
        home_id = str(uuid.uuid4())
        _write_atomically(
            self.path / _HOME_FILE, json.dumps({"format": HOME_FORMAT, "id": home_id})
        )
        return home_id

    def _check_home(self, document: Any) -> str:
        where = self.path / _HOME_FILE
        form = document.get("format") if isinstance(document, dict) else None
        home_id = document.get("id") if isinstance(document, dict) else None
        if not isinstance(form, int) or not isinstance(home_id, str) or not home_id:
            raise StorageError(f"{where} is corrupt: it names no format and id; it was left as is")
        if form > HOME_FORMAT:
            raise StorageError(
                f"{self.path} was written by a newer lakehose (home format {form}; this one "
                f"knows {HOME_FORMAT}); upgrade lakehose to use it"
            )
        return home_id

    def _read_json(self, name: str) -> Any:
        """The JSON document in ``name``, ``None`` when absent; unreadable is a StorageError."""
        where = self.path / name
        try:
            text = where.read_text()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StorageError(f"{where} is unreadable: {error}") from None
        try:
            return json.loads(text)
        except ValueError as error:
            raise StorageError(f"{where} is corrupt ({error}); it was left as it is") from None

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
        data = self._read_json(_SCOPE_FILE)
        if data is None:
            return None
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
        if record.home_id:
            document["home_id"] = record.home_id
        _write_atomically(self.path / _SERVER_FILE, json.dumps(document))

    def read_server(self) -> ServerRecord | None:
        """The running server's record, ``None`` when there is none (a StorageError if corrupt)."""
        data = self._read_json(_SERVER_FILE)
        if data is None:
            return None
        try:
            return ServerRecord(
                str(data["endpoint_url"]), int(data["pid"]), str(data.get("home_id", ""))
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise StorageError(
                f"{self.path / _SERVER_FILE} is corrupt: it names no endpoint and pid; delete it "
                "if no `lakehose up` runs for this home"
            ) from None

    def clear_server(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.path / _SERVER_FILE).unlink()


def _write_atomically(target: Path, text: str) -> None:
    """Replace ``target`` with ``text``: whole or not at all, even across a power cut."""
    temporary = target.with_suffix(".tmp")
    with open(temporary, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
