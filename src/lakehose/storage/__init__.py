"""Durable storage: the state directory and the SQLite databases inside it."""

from lakehose.storage.sqlite import Database, Migration, open_database
from lakehose.storage.statedir import ServerRecord, StateDirectory

__all__ = ["Database", "Migration", "ServerRecord", "StateDirectory", "open_database"]
