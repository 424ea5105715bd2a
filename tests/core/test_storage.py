from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lakehose.errors import StateDirectoryLocked, StorageError
from lakehose.scopes import Scope
from lakehose.storage import Migration, ServerRecord, StateDirectory, open_database

MIGRATIONS = [
    Migration(1, "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"),
    Migration(2, "ALTER TABLE item ADD COLUMN size INTEGER NOT NULL DEFAULT 0;"),
]


def test_migrations_apply_once_and_in_order(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    database = open_database(path, MIGRATIONS[:1])
    with database.transaction() as connection:
        connection.execute("INSERT INTO item (name) VALUES ('a')")
    database.close()
    database = open_database(path, MIGRATIONS)
    rows = database.query("SELECT name, size FROM item")
    assert [tuple(row) for row in rows] == [("a", 0)]
    assert database.query("PRAGMA journal_mode")[0][0] == "wal"
    assert database.query("PRAGMA user_version")[0][0] == 2
    database.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    open_database(path, MIGRATIONS).close()
    with pytest.raises(StorageError, match="newer than this lakehose knows"):
        open_database(path, MIGRATIONS[:1])


def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    database = open_database(tmp_path / "db.sqlite", MIGRATIONS)
    with pytest.raises(RuntimeError), database.transaction() as connection:
        connection.execute("INSERT INTO item (name) VALUES ('lost')")
        raise RuntimeError("boom")
    assert database.query("SELECT count(*) FROM item")[0][0] == 0
    database.close()


def test_committed_write_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    open_database(path, MIGRATIONS).close()
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from lakehose.storage import Migration, open_database\n"
        f"db = open_database(Path({str(path)!r}), {MIGRATIONS!r})\n"
        "with db.transaction() as c:\n"
        "    c.execute(\"INSERT INTO item (name) VALUES ('kept')\")\n"
        "print('committed', flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -9
    assert result.stdout == "committed\n"
    database = open_database(path, MIGRATIONS)
    assert [row[0] for row in database.query("SELECT name FROM item")] == ["kept"]
    database.close()


def test_owner_lock_is_exclusive_and_released_by_a_dead_process(tmp_path: Path) -> None:
    home = tmp_path / "home"
    script = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "from lakehose.storage import ServerRecord, StateDirectory\n"
        f"d = StateDirectory(Path({str(home)!r}))\n"
        "d.acquire()\n"
        "d.write_server(ServerRecord('http://localhost:1', os.getpid()))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=False)
    # The killed owner left its server record, but not its lock.
    state = StateDirectory(home)
    state.acquire()
    try:
        other = StateDirectory(home)
        with pytest.raises(StateDirectoryLocked):
            other.acquire()
        state.write_server(ServerRecord("http://localhost:9", 1))
        assert other.read_server() == ServerRecord("http://localhost:9", 1)
    finally:
        state.release()
    assert state.read_server() is None


def _filled(path: Path) -> bytes:
    """A database of several pages, checkpointed into its main file; its bytes."""
    database = open_database(path, MIGRATIONS)
    with database.transaction() as connection:
        connection.executemany("INSERT INTO item (name) VALUES (?)", [("x" * 100,)] * 500)
    database.query("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b"not a database at all!" + data[22:],  # header overwritten
        lambda data: data[: 3 * 4096] + bytes(len(data) - 3 * 4096),  # pages lost
    ],
    ids=["truncated", "overwritten", "pages-lost"],
)
def test_a_damaged_database_is_reported_by_path_and_left_alone(tmp_path: Path, damage: Any) -> None:
    path = tmp_path / "db.sqlite"
    damaged = damage(_filled(path))
    path.write_bytes(damaged)
    with pytest.raises(
        StorageError, match=rf"^{re.escape(str(path))} is damaged or not a lakehose"
    ):
        open_database(path, MIGRATIONS)
    assert path.read_bytes() == damaged


def test_home_records_an_id_and_format_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    state = StateDirectory(home)
    assert state.recorded_home_id() is None
    state.acquire()
    first = state.home_id
    state.release()
    assert json.loads((home / "home.json").read_text()) == {"format": 1, "id": first}
    again = StateDirectory(home)
    again.acquire()
    assert again.home_id == first == again.recorded_home_id()
    again.release()


def test_a_home_from_a_newer_lakehose_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "home.json").write_text('{"format": 2, "id": "x"}')
    with pytest.raises(StorageError, match="written by a newer lakehose \\(home format 2"):
        StateDirectory(home).acquire()
    # Refused, and not locked.
    with pytest.raises(StorageError):
        StateDirectory(home).acquire()


@pytest.mark.parametrize("name", ["home.json", "server.json", "scope.json"])
def test_corrupt_home_files_are_reported_by_name(tmp_path: Path, name: str) -> None:
    home = tmp_path / "home"
    owner = StateDirectory(home)
    owner.acquire()  # creates home.json
    owner.release()
    (home / name).write_text('{"truncat')
    state = StateDirectory(home)
    read = {
        "home.json": state.recorded_home_id,
        "server.json": state.read_server,
        "scope.json": lambda: state.home_scope(Scope("000000000000", "us-east-1")),
    }[name]
    with pytest.raises(StorageError, match=rf"{re.escape(str(home / name))} is corrupt"):
        read()
    assert (home / name).read_text() == '{"truncat'
