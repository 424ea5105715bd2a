"""Joda-Time / java.time date patterns as Athena uses them: ``format_datetime`` and
``parse_datetime`` (Joda-Time) as DuckDB ``strftime`` / ``strptime`` formats, and partition
projection's ``format`` (java.time) formatted and parsed here.

Pattern letters repeat to set width (``MM`` zero-pads, ``MMM`` is a short month name); how a
pattern splits into letters and literals is ``lakehose.formats.java_dates``, in the dialect of
each use. A letter DuckDB (or this module) has no equivalent for, and a pattern Java rejects,
raise ``UnsupportedPattern``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from lakehose.formats.java_dates import (
    OPTIONAL_END,
    OPTIONAL_START,
    Dialect,
    PatternError,
    Token,
    lex,
)

# (letter, minimum run length) -> strftime directive; the longest matching run wins.
_DIRECTIVES: dict[str, list[tuple[int, str]]] = {
    "y": [(4, "%Y"), (3, "%Y"), (2, "%y"), (1, "%Y")],
    "Y": [(4, "%Y"), (2, "%y"), (1, "%Y")],
    "u": [(4, "%Y"), (2, "%y"), (1, "%Y")],
    "x": [(1, "%G")],
    "M": [(4, "%B"), (3, "%b"), (2, "%m"), (1, "%-m")],
    "L": [(4, "%B"), (3, "%b"), (2, "%m"), (1, "%-m")],
    "d": [(2, "%d"), (1, "%-d")],
    "D": [(3, "%j"), (1, "%-j")],
    "H": [(2, "%H"), (1, "%-H")],
    "k": [(2, "%H"), (1, "%-H")],
    "h": [(2, "%I"), (1, "%-I")],
    "K": [(2, "%I"), (1, "%-I")],
    "m": [(2, "%M"), (1, "%-M")],
    "s": [(2, "%S"), (1, "%-S")],
    "S": [(9, "%n"), (6, "%f"), (3, "%g"), (1, "%g")],
    "a": [(1, "%p")],
    "E": [(4, "%A"), (1, "%a")],
    "e": [(1, "%u")],
    "w": [(2, "%V"), (1, "%V")],
    "Z": [(1, "%z")],
    "X": [(1, "%z")],
    "z": [(1, "%Z")],
}
# Smallest unit a pattern letter names, for partition projection's default interval unit.
UNIT_OF_LETTER = {
    "y": "YEARS", "Y": "YEARS", "u": "YEARS", "M": "MONTHS", "L": "MONTHS", "w": "WEEKS",
    "d": "DAYS", "D": "DAYS", "E": "DAYS", "H": "HOURS", "k": "HOURS", "h": "HOURS",
    "K": "HOURS", "m": "MINUTES", "s": "SECONDS", "S": "MILLISECONDS",
}  # fmt: skip
UNIT_ORDER = ["YEARS", "MONTHS", "WEEKS", "DAYS", "HOURS", "MINUTES", "SECONDS", "MILLISECONDS"]


class UnsupportedPattern(PatternError):
    """A pattern letter DuckDB's formats cannot express, or a pattern Java rejects."""


def _tokens(pattern: str, dialect: Dialect) -> Iterator[Token]:
    try:
        yield from lex(pattern, dialect)
    except PatternError as error:
        raise UnsupportedPattern(str(error)) from None


def joda_to_strftime(pattern: str) -> str:
    """The DuckDB format equivalent to a Joda-Time pattern."""
    out: list[str] = []
    for token in _tokens(pattern, "joda"):
        if token.letter is None:
            out.append(token.text.replace("%", "%%"))
        else:
            out.append(_directive(token.letter, token.count))
    return "".join(out)


def _directive(letter: str, run: int) -> str:
    for minimum, directive in _DIRECTIVES.get(letter, []):
        if run >= minimum:
            return directive
    raise UnsupportedPattern(f"Pattern letter '{letter}' is not supported")


def smallest_unit(pattern: str) -> str:
    """The finest time unit a pattern shows (``yyyy-MM-dd-HH`` is HOURS)."""
    units = [
        UNIT_OF_LETTER[token.letter]
        for token in _tokens(pattern, "java.time")
        if token.letter in UNIT_OF_LETTER
    ]
    return max(units, key=UNIT_ORDER.index) if units else "DAYS"


# Numeric fields partition projection formats with: letter -> datetime attribute.
_NUMERIC_FIELDS = {
    "y": "year", "u": "year", "M": "month", "d": "day", "H": "hour", "m": "minute", "s": "second",
}  # fmt: skip


def java_format(moment: datetime, pattern: str) -> str:
    """A datetime rendered with a numeric java.time pattern (``yyyy/MM/dd/HH``)."""
    out: list[str] = []
    for token in _tokens(pattern, "java.time"):
        letter, text = token.letter, token.text
        if token is OPTIONAL_START or token is OPTIONAL_END:
            continue  # every field is present, so an optional section prints
        if letter is None:
            out.append(text)
        elif letter == "S":
            out.append(f"{moment.microsecond:06d}"[: len(text)].ljust(len(text), "0"))
        elif letter in _NUMERIC_FIELDS:
            value = getattr(moment, _NUMERIC_FIELDS[letter])
            if letter in "yu" and len(text) == 2:
                value %= 100
            out.append(f"{value:0{len(text)}d}")
        else:
            raise UnsupportedPattern(f"Pattern letter '{letter}' is not supported here")
    return "".join(out)


def java_parse(text: str, pattern: str) -> datetime | None:
    """Parse text written with a numeric java.time pattern; None when it does not match."""
    regex: list[str] = []
    names: list[tuple[str, int]] = []
    depth = 0
    for token in _tokens(pattern, "java.time"):
        letter, run = token.letter, token.text
        if token is OPTIONAL_START:
            regex.append("(?:")
            depth += 1
        elif token is OPTIONAL_END:
            regex.append(")?")
            depth -= 1
        elif letter is None:
            regex.append(re.escape(run))
        elif letter in _NUMERIC_FIELDS or letter == "S":
            width = len(run)
            # Possessive: a one-letter field takes every digit, as java.time's adjacent value
            # parsing does; with backtracking, "yMd" against a long digit run took O(n^3).
            regex.append(f"(\\d{{{width}}})" if width > 1 else "(\\d++)")
            names.append((letter, width))
        else:
            raise UnsupportedPattern(f"Pattern letter '{letter}' is not supported here")
    regex.append(")?" * depth)  # an optional section left open ends with the pattern
    match = re.fullmatch("".join(regex), text)
    if match is None:
        return None
    fields: dict[str, int] = {"year": 1970, "month": 1, "day": 1, "hour": 0, "minute": 0}
    fields["second"] = 0
    microsecond = 0
    for (letter, width), value in zip(names, match.groups(), strict=True):
        if value is None:  # in an optional section that was absent
            continue
        if letter == "S":
            microsecond = int(value.ljust(6, "0")[:6])
        else:
            number = int(value)
            if letter in "yu" and width == 2:
                number += 2000
            fields[_NUMERIC_FIELDS[letter]] = number
    try:
        return datetime(
            fields["year"], fields["month"], fields["day"],
            fields["hour"], fields["minute"], fields["second"], microsecond,
        )  # fmt: skip
    except ValueError:
        return None
