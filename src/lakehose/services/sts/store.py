"""SQLite persistence of the role sessions STS issued, keyed by their access key id.

One database, ``sts.db`` in the engine's directory. A session is remembered so that calls signed
with its temporary key answer as the role (GetCallerIdentity) and so that its secret and token
are there for signature checks. Sessions are forgotten ``RETENTION_SECONDS`` after they expire;
until then a call with their key is answered ``ExpiredToken``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import astuple, dataclass

from lakehose.services.sts.principals import Identity
from lakehose.storage import Migration

RETENTION_SECONDS = 24 * 3600

_SCHEMA = """
CREATE TABLE sessions (
    access_key_id TEXT PRIMARY KEY,
    secret_access_key TEXT NOT NULL,
    session_token TEXT NOT NULL,
    user_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    arn TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires);
"""

MIGRATIONS = (Migration(1, _SCHEMA),)


@dataclass(frozen=True)
class Session:
    """Temporary credentials and the principal they act as, until ``expires`` (epoch seconds)."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    user_id: str
    account_id: str
    arn: str
    expires: float

    @property
    def identity(self) -> Identity:
        return Identity(self.user_id, self.account_id, self.arn)


def find_session(connection: sqlite3.Connection, access_key_id: str) -> Session | None:
    row = connection.execute(
        "SELECT access_key_id, secret_access_key, session_token, user_id, account_id, arn, "
        "expires FROM sessions WHERE access_key_id = ?",
        (access_key_id,),
    ).fetchone()
    return None if row is None else Session(*row)


def put_session(connection: sqlite3.Connection, session: Session, now: float) -> None:
    """Remember ``session``, forgetting those expired for longer than the retention."""
    connection.execute("DELETE FROM sessions WHERE expires < ?", (now - RETENTION_SECONDS,))
    connection.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)", astuple(session))
