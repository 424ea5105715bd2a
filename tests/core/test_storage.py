from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lakehose.errors import StateDirectoryLocked, StorageError
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
