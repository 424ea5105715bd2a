"""``java.time.format.DateTimeFormatter.ofPattern`` for formatting, as ``!{timestamp:...}`` uses it.

Firehose hands the text after ``timestamp:`` to Java's ``DateTimeFormatter`` and formats the
instant in the stream's time zone. This module reproduces that for the letters a prefix can
sensibly use, following ``DateTimeFormatterBuilder.parsePattern`` (JDK 17) rule by rule: the
widths each letter count prints, the ``EXCEEDS_PAD`` sign rule, two-digit reduced years, and
the same ``IllegalArgumentException`` messages for patterns Java rejects (raised as
``PatternError``, a ``ValueError``). Quoted literals, optional sections ``[...]`` (always
printed, since a zoned date-time has every field) and reserved characters are the java.time
dialect of ``lakehose.formats.java_dates``.

Locale-dependent parts use ``Locale.US``, taken to be the JVM default on Firehose's hosts
[unconfirmed]: English month and day names, ``AM``/``PM``, and US week rules (weeks start on
Sunday; week 1 is the week containing January 1st), which ``Y`` (week-based year), ``w``, ``W``
and ``e``/``c`` follow. Time zone abbreviations (``z``) come from the tz database via
``zoneinfo`` and agree with Java's for zones that have real abbreviations (``JST``, ``EST``,
``CET``, ``UTC``); full zone names (``zzzz``, ``v``), day periods (``B``), ``F``, ``g``,
``A``, ``n``, ``N`` and padding (``p``) are refused as unsupported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from lakehose.formats.java_dates import OPTIONAL_END, OPTIONAL_START, PatternError, lex

__all__ = ["CompiledPattern", "PatternError", "compile_pattern", "format"]

Printer = Callable[[datetime], str]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # ISO
_ORDINALS = ("1st", "2nd", "3rd", "4th")
# Letters Java knows but lakehose does not reproduce: refused rather than printed wrongly.
_UNSUPPORTED = {
    "v": "generic zone names",
    "B": "day periods",
    "F": "aligned day-of-week-in-month",
    "g": "modified Julian days",
    "A": "milli-of-day",
    "n": "nano-of-second",
    "N": "nano-of-day",
    "p": "pad modifiers",
}
# Offset print styles, as OffsetIdPrinterParser.PATTERNS indexes them.
_OFFSET_STYLES = ("+HH", "+HHmm", "+HH:mm", "+HHMM", "+HH:MM", "+HHMMss", "+HH:MM:ss")


@dataclass(frozen=True)
class CompiledPattern:
    """A validated pattern, ready to format any number of instants."""

    pattern: str
    printers: tuple[Printer, ...]

    def format(self, moment: datetime) -> str:
        """Formats an aware ``datetime`` in its own time zone."""
        if moment.tzinfo is None:
            raise ValueError("moment must carry a time zone")
        return "".join(printer(moment) for printer in self.printers)


def format(pattern: str, moment: datetime) -> str:
    """``DateTimeFormatter.ofPattern(pattern, Locale.US).format(moment)``."""
    return compile_pattern(pattern).format(moment)


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> CompiledPattern:
    """Parses ``pattern`` as ``ofPattern`` does; raises ``PatternError`` where Java throws.

    The lexical rules are ``lakehose.formats.java_dates`` (java.time dialect); an optional
    section prints its contents, since a zoned date-time has every field."""
    printers: list[Printer] = []
    for token in lex(pattern, "java.time"):
        if token is OPTIONAL_START or token is OPTIONAL_END:
            continue
        if token.letter is None:
            printers.append(_literal(token.text))
        else:
            printers.append(_letter(token.letter, token.count))
    return CompiledPattern(pattern, tuple(printers))


def _literal(text: str) -> Printer:
    return lambda _moment: text


def _letter(cur: str, count: int) -> Printer:
    if cur in _UNSUPPORTED:
        raise PatternError(f"Pattern letter {cur} ({_UNSUPPORTED[cur]}) is not supported")
    builder = _BUILDERS.get(cur)
    if builder is None:
        raise PatternError(f"Unknown pattern letter: {cur}")
    return builder(cur, count)


def _too_many(cur: str) -> PatternError:
    return PatternError(f"Too many pattern letters: {cur}")


# --- numbers -------------------------------------------------------------------------------


def _number(get: Callable[[datetime], int], min_width: int, exceeds_pad: bool) -> Printer:
    """``appendValue``: zero-padded to ``min_width``; ``EXCEEDS_PAD`` adds ``+`` past the pad."""

    def printer(moment: datetime) -> str:
        value = get(moment)
        text = str(abs(value)).zfill(min_width)
        if value < 0:
            return "-" + text
        if exceeds_pad and len(str(value)) > min_width:
            return "+" + text
        return text

    return printer


def _year_like(cur: str, count: int, get: Callable[[datetime], int]) -> Printer:
    """``y``, ``u`` and ``Y``: two letters print the last two digits, four or more pad."""
    if count == 2:
        return lambda moment: f"{get(moment) % 100:02d}"
    if count > 19:
        raise PatternError(f"The minimum width must be from 1 to 19 inclusive but was {count}")
    return _number(get, count, exceeds_pad=count >= 4)


def _one_or_two(cur: str, count: int, get: Callable[[datetime], int]) -> Printer:
    if count > 2:
        raise _too_many(cur)
    return _number(get, count, exceeds_pad=False)


def _text_or_number(
    cur: str, count: int, get: Callable[[datetime], int], names: Callable[[int], tuple[str, str]]
) -> Printer:
    """``M``/``L``/``Q``/``q``: 1-2 letters a number, 3 short text, 4 full text, 5 narrow."""
    if count <= 2:
        return _number(get, count, exceeds_pad=False)
    if count > 5:
        raise _too_many(cur)
    return _text(count, lambda moment: names(get(moment)))


def _text(count: int, names: Callable[[datetime], tuple[str, str]]) -> Printer:
    """Text styles: SHORT for counts up to 3, FULL for 4, NARROW (first letter) for 5."""
    if count == 4:
        return lambda moment: names(moment)[1]
    if count == 5:
        return lambda moment: names(moment)[1][0]
    return lambda moment: names(moment)[0]


def _month_names(month: int) -> tuple[str, str]:
    full = _MONTHS[month - 1]
    return full[:3], full


def _quarter_names(quarter: int) -> tuple[str, str]:
    return f"Q{quarter}", f"{_ORDINALS[quarter - 1]} quarter"


def _day_names(moment: datetime) -> tuple[str, str]:
    full = _DAYS[moment.weekday()]
    return full[:3], full


# --- US week rules (Sunday first, week 1 contains January 1st) --------------------------------


def _sunday_number(moment: datetime) -> int:
    """Localized day-of-week for Locale.US: Sunday 1 ... Saturday 7."""
    return (moment.weekday() + 1) % 7 + 1


def _week_start(day: date) -> date:
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _week_based_year(moment: datetime) -> int:
    # The week containing January 1st is week 1, so a week belongs to the year its Saturday is in.
    return (_week_start(moment.date()) + timedelta(days=6)).year


def _week_of_year(moment: datetime) -> int:
    first = _week_start(date(_week_based_year(moment), 1, 1))
    return (_week_start(moment.date()) - first).days // 7 + 1


def _week_of_month(moment: datetime) -> int:
    first = moment.date().replace(day=1)
    return (moment.day - 1 + (first.weekday() + 1) % 7) // 7 + 1


# --- zones and offsets ---------------------------------------------------------------------


def _offset_seconds(moment: datetime) -> int:
    offset = moment.utcoffset()
    return 0 if offset is None else int(offset.total_seconds())


def _offset_printer(style: int, zero_text: str) -> Printer:
    """``OffsetIdPrinterParser``: lower-case parts print only when non-zero."""
    colon = ":" if style % 2 == 0 and style > 0 else ""

    def printer(moment: datetime) -> str:
        total = _offset_seconds(moment)
        if total == 0:
            return zero_text
        hours, minutes, seconds = abs(total) // 3600 % 100, abs(total) // 60 % 60, abs(total) % 60
        out = ("-" if total < 0 else "+") + f"{hours:02d}"
        if 3 <= style <= 6 or (style >= 1 and minutes > 0):
            out += f"{colon}{minutes:02d}"
            if style >= 5 and seconds > 0:
                out += f"{colon}{seconds:02d}"
        return out

    return printer


def _localized_offset(full: bool) -> Printer:
    """``O``/``OOOO`` and ``ZZZZ``: ``GMT``, ``GMT+9``, ``GMT+09:00``, ``GMT-5:30``."""

    def printer(moment: datetime) -> str:
        total = _offset_seconds(moment)
        if total == 0:
            return "GMT"
        hours, minutes, seconds = abs(total) // 3600, abs(total) // 60 % 60, abs(total) % 60
        out = "GMT" + ("-" if total < 0 else "+")
        if full:
            out += f"{hours:02d}:{minutes:02d}"
        else:
            out += str(hours) + (f":{minutes:02d}" if minutes or seconds else "")
        return out + (f":{seconds:02d}" if seconds else "")

    return printer


def _zone_id(moment: datetime) -> str:
    key = getattr(moment.tzinfo, "key", None)
    if isinstance(key, str):
        return key
    name = moment.tzname()
    return "Z" if name in (None, "UTC") and _offset_seconds(moment) == 0 else str(name)


def _zone_letter(cur: str, count: int) -> Printer:
    if cur == "V":
        if count != 2:
            raise PatternError("Pattern letter count must be 2: V")
        return _zone_id
    if cur == "z":
        if count > 4:
            raise _too_many(cur)
        if count == 4:
            raise PatternError("Pattern letter z (full zone names) is not supported")
        return lambda moment: moment.tzname() or _zone_id(moment)
    if cur == "O":
        if count not in (1, 4):
            raise PatternError("Pattern letter count must be 1 or 4: O")
        return _localized_offset(full=count == 4)
    if count > 5:
        raise _too_many(cur)
    if cur == "Z":
        if count == 4:
            return _localized_offset(full=True)
        return _offset_printer(6, "Z") if count == 5 else _offset_printer(3, "+0000")
    style = count if count == 1 else count + 1  # X and x: the PATTERNS index Java uses
    if cur == "X":
        return _offset_printer(style, "Z")
    zero = "+00" if count == 1 else ("+0000" if count % 2 == 0 else "+00:00")
    return _offset_printer(style, zero)


# --- the letter table ----------------------------------------------------------------------


def _era(cur: str, count: int) -> Printer:
    if count > 5:
        raise _too_many(cur)
    return _text(count, lambda moment: ("AD", "Anno Domini"))


def _am_pm(cur: str, count: int) -> Printer:
    if count > 1:
        raise _too_many(cur)
    return lambda moment: "AM" if moment.hour < 12 else "PM"


def _day_of_week(cur: str, count: int) -> Printer:
    if count > 5:
        raise _too_many(cur)
    if cur == "E":
        return _text(count, _day_names)
    if cur == "c" and count == 2:
        raise PatternError('Invalid pattern "cc"')
    if count <= 2:
        return _number(_sunday_number, count, exceeds_pad=False)
    return _text(count, _day_names)


def _day_of_year(cur: str, count: int) -> Printer:
    if count > 3:
        raise _too_many(cur)
    return _number(lambda moment: moment.timetuple().tm_yday, count, exceeds_pad=False)


def _fraction(cur: str, count: int) -> Printer:
    if count > 9:
        raise PatternError(f"Minimum width must be from 0 to 9 inclusive but was {count}")
    return lambda moment: f"{moment.microsecond * 1000:09d}"[:count]


def _week_letter(cur: str, count: int) -> Printer:
    if cur == "Y":
        return _year_like(cur, count, _week_based_year)
    if cur == "w":
        return _one_or_two(cur, count, _week_of_year)
    if count > 1:
        raise _too_many(cur)
    return _number(_week_of_month, 1, exceeds_pad=False)


def _hour_letter(cur: str, count: int) -> Printer:
    getters: dict[str, Callable[[datetime], int]] = {
        "H": lambda m: m.hour,
        "k": lambda m: m.hour or 24,
        "K": lambda m: m.hour % 12,
        "h": lambda m: m.hour % 12 or 12,
        "m": lambda m: m.minute,
        "s": lambda m: m.second,
        "d": lambda m: m.day,
    }
    return _one_or_two(cur, count, getters[cur])


_BUILDERS: dict[str, Callable[[str, int], Printer]] = {
    "G": _era,
    "y": lambda cur, count: _year_like(cur, count, lambda m: m.year),
    "u": lambda cur, count: _year_like(cur, count, lambda m: m.year),
    "Y": _week_letter,
    "w": _week_letter,
    "W": _week_letter,
    "M": lambda cur, count: _text_or_number(cur, count, lambda m: m.month, _month_names),
    "L": lambda cur, count: _text_or_number(cur, count, lambda m: m.month, _month_names),
    "Q": lambda cur, count: _text_or_number(cur, count, _quarter, _quarter_names),
    "q": lambda cur, count: _text_or_number(cur, count, _quarter, _quarter_names),
    "D": _day_of_year,
    "E": _day_of_week,
    "e": _day_of_week,
    "c": _day_of_week,
    "a": _am_pm,
    "S": _fraction,
    **dict.fromkeys("HkKhmsd", _hour_letter),
    **dict.fromkeys("VzOXxZ", _zone_letter),
}


def _quarter(moment: datetime) -> int:
    return (moment.month - 1) // 3 + 1
