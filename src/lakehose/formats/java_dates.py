"""The lexical rules of Java date-time patterns, in their two dialects.

AWS hands date patterns to Java in two places, with two libraries:

* ``java.time`` (``DateTimeFormatter.ofPattern``; ``DateTimeFormatterBuilder.appendPattern``,
  JDK 17): Firehose's ``!{timestamp:...}`` prefix expressions and Athena's partition projection
  ``projection.<column>.format`` ("a date format string based on the Java date format
  DateTimeFormatter").
* Joda-Time (``DateTimeFormat.forPattern``): Trino's ``format_datetime`` and
  ``parse_datetime``, as Athena runs them.

Both read a pattern the same way at this level: a run of one repeated ASCII letter is one
field, its length the field's width or style (``MM``, ``MMM``); text in single quotes is
literal, ``''`` being a quote inside or outside quotes; any other character is literal. They
differ in what else a character means:

================================  ===================================  =====================
                                  java.time                            Joda-Time
================================  ===================================  =====================
``[`` and ``]``                   start and end an optional section    literal
``{``, ``}``, ``#``               reserved: ``IllegalArgumentException`` literal
a quote left open                 ``IllegalArgumentException``         literal to the end
================================  ===================================  =====================

Which letters a dialect knows, and what they print, is the caller's business.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

__all__ = ["OPTIONAL_END", "OPTIONAL_START", "PatternError", "Token", "lex"]

Dialect = Literal["java.time", "joda"]


class PatternError(ValueError):
    """A pattern Java rejects; the message is Java's ``IllegalArgumentException`` text."""


@dataclass(frozen=True)
class Token:
    """A run of one pattern letter (``letter`` set, ``text`` the run), or literal ``text``."""

    letter: str | None
    text: str

    @property
    def count(self) -> int:
        return len(self.text)


# java.time's optional-section markers, as tokens of their own.
OPTIONAL_START = Token(None, "[")
OPTIONAL_END = Token(None, "]")
_RESERVED = "{}#"


def lex(pattern: str, dialect: Dialect) -> Iterator[Token]:
    """The pattern's tokens, left to right; in the ``java.time`` dialect ``OPTIONAL_START`` and
    ``OPTIONAL_END`` (the very objects) mark optional sections. A generator, so that a caller
    rejecting a letter does so before a later lexical error, in Java's order."""
    java_time = dialect == "java.time"
    depth = 0
    pos = 0
    while pos < len(pattern):
        cur = pattern[pos]
        if cur.isascii() and cur.isalpha():
            end = pos
            while end < len(pattern) and pattern[end] == cur:
                end += 1
            yield Token(cur, pattern[pos:end])
            pos = end
            continue
        if cur == "'":
            closing = _closing_quote(pattern, pos + 1)
            if closing is None and java_time:
                raise PatternError(f"Pattern ends with an incomplete string literal: {pattern}")
            end = len(pattern) if closing is None else closing
            text = pattern[pos + 1 : end]
            yield Token(None, "'" if text == "" else text.replace("''", "'"))
            pos = end + 1
            continue
        if java_time and cur == "[":
            depth += 1
            yield OPTIONAL_START
        elif java_time and cur == "]":
            if depth == 0:
                raise PatternError("Pattern invalid as it contains ] without previous [")
            depth -= 1
            yield OPTIONAL_END
        elif java_time and cur in _RESERVED:
            raise PatternError(f"Pattern includes reserved character: '{cur}'")
        else:
            yield Token(None, cur)
        pos += 1


def _closing_quote(pattern: str, pos: int) -> int | None:
    """Where the quoted literal starting at ``pos`` ends (``''`` inside is a quote)."""
    while pos < len(pattern):
        if pattern[pos] == "'":
            if pos + 1 < len(pattern) and pattern[pos + 1] == "'":
                pos += 2
                continue
            return pos
        pos += 1
    return None


def java_date(epoch_ms: int) -> str:
    """``Thu Jan 22 01:22:02 UTC 2015``: Java's ``Date.toString`` in UTC, as AWS's messages use."""
    # Names spelled out: strftime's %a and %b follow the process locale, AWS's text does not.
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    day = _DAYS[moment.weekday()]
    month = _MONTHS[moment.month - 1]
    return f"{day} {month} {moment:%d %H:%M:%S} UTC {moment.year}"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
