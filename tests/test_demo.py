"""``lakehose demo``, run as the README's first command runs it, then checked row by row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from lakehose import Lakehose
from lakehose.cli.athena_query import named_query, run_query
from lakehose.cli.demo import READINGS, SEED
from lakehose.cli.heartrate import WORKGROUP_NAME, ReadingGenerator
from lakehose.cli.main import cli

pytestmark = pytest.mark.slow

# The demo's readings as (id, HeartRate, SensorID); their times are the clock's when it runs.
_ANY_TIME = datetime(2023, 3, 22, tzinfo=UTC)
_GENERATOR = ReadingGenerator(SEED)
READING_VALUES = sorted(
    [r.id, str(r.heart_rate), str(r.sensor_id)]
    for r in (_GENERATOR.reading(_ANY_TIME) for _ in range(READINGS))
)


def _rows(home: Path, name: str) -> list[list[str | None]]:
    with Lakehose(home=home) as lake:
        athena = lake.client("athena")
        saved = named_query(athena, name, WORKGROUP_NAME)
        return run_query(athena, saved.sql, workgroup=WORKGROUP_NAME, database=saved.database).rows


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("demo") / "home"
    result = CliRunner().invoke(cli, ["demo", "--home", str(home)])
    assert result.exit_code == 0, result.output
    return home, result.output


def test_demo_reports_each_stage(demo: tuple[Path, str]) -> None:
    _, output = demo
    high = sum(1 for _, rate, _ in READING_VALUES if int(rate) > 120)
    for expected in (
        "stack heartrate: CREATE_COMPLETE",
        "the one shortcut",
        f"{READINGS} items after {READINGS} PutItem",
        f"{READINGS} change records",
        "0 objects, 0 B",  # nothing under errors/
        f"high-heart-rate: first 5 of {high} rows",
        f"current-state: first 5 of {READINGS} rows",
    ):
        assert expected in output, expected


def test_demo_current_state_is_every_reading_once(demo: tuple[Path, str]) -> None:
    rows = _rows(demo[0], "current-state")
    assert [row[:3] for row in rows] == READING_VALUES
    assert all(row[3] and row[3].endswith("Z") for row in rows)


def test_demo_high_heart_rate_is_the_readings_above_120(demo: tuple[Path, str]) -> None:
    rows = _rows(demo[0], "high-heart-rate")
    expected = [values for values in READING_VALUES if int(values[1]) > 120]
    assert sorted(row[:3] for row in rows) == expected  # type: ignore[type-var]


def test_demo_needs_an_assembly(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--assembly", str(tmp_path)])
    assert result.exit_code == 2
    assert "no cloud assembly" in result.output
