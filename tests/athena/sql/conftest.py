"""Fixtures of the SQL engine's suite: the engine over in-memory Glue and file-backed S3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lakehose.clock import ManualClock
from lakehose.services.athena.sql import QueryOutcome, SqlEngine
from tests.athena.sql.fakes import FakeCatalog, FileStore

# 2023-03-22 19:56:18 UTC, the article's delivery time.
NOW = 1679514978.0


class Lake:
    """The engine and its ports, with helpers to run statements and lay out objects."""

    def __init__(self, tmp: Path) -> None:
        self.catalog = FakeCatalog()
        self.store = FileStore(tmp / "objects")
        self.clock = ManualClock(NOW)
        self.engine = SqlEngine(
            self.catalog,
            self.store,
            scratch_dir=tmp / "scratch",
            region="us-east-1",
            account_id="111122223333",
            clock=self.clock,
        )
        self.store.create_bucket("lake")
        self.store.create_bucket("results")
        self.catalog.create_database({"Name": "heartrate"})

    def run(self, sql: str, database: str | None = "heartrate", **kwargs: Any) -> QueryOutcome:
        kwargs.setdefault("output_location", "s3://results/athena/")
        return self.engine.execute(sql, database=database, **kwargs)

    def rows(self, sql: str, **kwargs: Any) -> list[list[str | None]]:
        return self.run(sql, **kwargs).rows

    def put(self, key: str, data: bytes, bucket: str = "lake") -> None:
        self.store.put_object_bytes(bucket, key, data)


@pytest.fixture
def lake(tmp_path: Path) -> Iterator[Lake]:
    lake = Lake(tmp_path)
    yield lake
    lake.engine.close()
