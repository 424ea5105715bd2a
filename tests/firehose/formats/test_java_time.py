"""java_time against Java itself (a fixture a JDK produced) and against strftime."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lakehose.services.firehose import java_time

GOLDEN = Path(__file__).parent / "data" / "java_time_golden.json"


def _moment(seconds: int, nanos: int, zone: str) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return (epoch + timedelta(seconds=seconds, microseconds=nanos // 1000)).astimezone(
        ZoneInfo(zone)
    )


def _known_gap(pattern: str, zone: str, python: str) -> bool:
    """Where lakehose knowingly differs: full zone names are refused, and ``z`` prints the tz
    database's abbreviation, which is numeric (``+11``) for zones without one in the tz data."""
    if python.startswith("!") and "not supported" in python:
        return True
    return "z" in pattern and zone == "Australia/Lord_Howe"


def test_matches_java_datetimeformatter_on_the_golden_fixture() -> None:
    rows = json.loads(GOLDEN.read_text())
    compared = 0
    for pattern, seconds, nanos, zone, expected in rows:
        try:
            got = java_time.format(pattern, _moment(seconds, nanos, zone))
        except java_time.PatternError as exc:
            got = f"!{exc}"
        if _known_gap(pattern, zone, got):
            continue
        assert got == expected, (pattern, seconds, zone)
        compared += 1
    assert compared > 0.97 * len(rows)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy/MM/dd/HH/", "2018/12/30/10/"),
        ("'year='yyyy'/month='MM", "year=2018/month=12"),
        ("YYYY", "2019"),  # week-based year: 30 Dec 2018 is in week 1 of 2019 (US weeks)
        ("yyyy", "2018"),
        ("DD", "364"),  # day of year, not day of month
        ("'it''s' h a", "it's 10 AM"),
        ("''", "'"),
        ("[yyyy]", "2018"),
        ("EEE MMM d", "Sun Dec 30"),
        ("XXX VV", "Z UTC"),
    ],
)
def test_examples(pattern: str, expected: str) -> None:
    moment = datetime(2018, 12, 30, 10, 30, tzinfo=ZoneInfo("UTC"))
    assert java_time.format(pattern, moment) == expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("b", "Unknown pattern letter: b"),
        ("ddd", "Too many pattern letters: d"),
        ("'open", "Pattern ends with an incomplete string literal: 'open"),
        ("yyyy]", "Pattern invalid as it contains ] without previous ["),
        ("#", "Pattern includes reserved character: '#'"),
        ("zzzz", "Pattern letter z (full zone names) is not supported"),
    ],
)
def test_invalid_patterns_raise_javas_messages(pattern: str, message: str) -> None:
    with pytest.raises(java_time.PatternError) as raised:
        java_time.compile_pattern(pattern)
    assert str(raised.value) == message


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        java_time.format("yyyy", datetime(2020, 1, 1))


# Letters whose Java meaning strftime shares exactly (C locale names are English).
_STRFTIME = {
    "yyyy": "%Y", "yy": "%y", "MM": "%m", "MMM": "%b", "MMMM": "%B", "dd": "%d", "DDD": "%j",
    "HH": "%H", "hh": "%I", "mm": "%M", "ss": "%S", "a": "%p", "EEE": "%a", "EEEE": "%A",
}  # fmt: skip
_PARTS = st.lists(
    st.sampled_from(sorted(_STRFTIME)) | st.sampled_from(["-", "/", " ", "_", ":", "'T'"]),
    min_size=1,
    max_size=8,
)
_INSTANTS = st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31))


@given(_PARTS, _INSTANTS)
def test_agrees_with_strftime_on_shared_letters(parts: list[str], naive: datetime) -> None:
    # Adjacent runs of the same letter would merge into one longer run, so separate them.
    pattern = "-".join(parts)
    reference = "-".join(
        "T" if part == "'T'" else naive.strftime(_STRFTIME[part]) if part in _STRFTIME else part
        for part in parts
    )
    assert java_time.format(pattern, naive.replace(tzinfo=UTC)) == reference


@given(st.text(alphabet="yuYMLQqdDEecaHkKhmswWSVOXxZG'[]-/ ", max_size=12), _INSTANTS)
def test_any_pattern_either_formats_or_raises_pattern_error(pattern: str, naive: datetime) -> None:
    try:
        compiled = java_time.compile_pattern(pattern)
    except java_time.PatternError:
        return
    assert isinstance(compiled.format(naive.replace(tzinfo=ZoneInfo("Asia/Tokyo"))), str)
