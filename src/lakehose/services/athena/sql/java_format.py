"""Java's ``Formatter`` syntax, which Trino's ``format`` uses, over SQL values.

Each argument arrives as its text and its DuckDB type name (the rewrite passes
``CAST(arg AS VARCHAR)`` and ``typeof(arg)``), and is turned back into a number, a date or
text before it is formatted: ``%s`` shows a value as Trino shows it, ``%d`` needs an integer,
``%f``/``%e``/``%g`` a number, ``%t`` a date or time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from lakehose.services.athena.sql.render import java_double

_SPEC = re.compile(
    r"%(?:(?P<index>\d+)\$|(?P<previous><))?(?P<flags>[-#+ 0,(]*)(?P<width>\d+)?"
    r"(?:\.(?P<precision>\d+))?(?P<conversion>[tT][A-Za-z]|[bBhHsScCdoxXeEfgGaA%n])"
)
_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "UINTEGER")
_FLOATS = ("DOUBLE", "FLOAT")


class FormatFailed(ValueError):
    pass


def _value(text: str | None, kind: str | None) -> Any:
    if text is None:
        return None
    name = (kind or "VARCHAR").upper()
    if name in _INTEGERS:
        return int(text)
    if name in _FLOATS:
        return float(text)
    if name.startswith("DECIMAL"):
        return Decimal(text)
    if name == "DATE":
        return date.fromisoformat(text)
    if name.startswith("TIMESTAMP"):
        return datetime.fromisoformat(text)
    if name.startswith("TIME"):
        return time.fromisoformat(text)
    if name == "BOOLEAN":
        return text == "true"
    return text


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _group(text: str) -> str:
    whole, dot, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-') or 0):,}"
    return sign + grouped + dot + fraction


def _number(value: Any, flags: str, precision: str | None, conversion: str) -> str:
    if conversion in "dox":
        if not isinstance(value, int) or isinstance(value, bool):
            raise FormatFailed(f"{conversion} != {type(value).__name__}")
        if conversion == "o":
            return format(value, "o")
        if conversion in "xX":
            return format(value if value >= 0 else value + (1 << 64), "x")
        text = str(value)
        return _group(text) if "," in flags else text
    if not isinstance(value, (int, float, Decimal)) or isinstance(value, bool):
        raise FormatFailed(f"{conversion} != {type(value).__name__}")
    digits = 6 if precision is None else min(int(precision), MAX_WIDTH)
    if conversion in "eE":
        text = format(Decimal(str(value)), f".{digits}e")
        mantissa, _, exponent = text.partition("e")
        return f"{mantissa}e{exponent[0]}{exponent[1:].zfill(2)}"
    if conversion in "gG":
        return format(float(value), f".{digits or 1}g")
    text = format(Decimal(str(value)), f".{digits}f")
    return _group(text) if "," in flags else text


_DATE_PARTS = {
    "A": "%A", "a": "%a", "B": "%B", "b": "%b", "h": "%b", "Y": "%Y", "y": "%y", "m": "%m",
    "d": "%d", "H": "%H", "M": "%M", "S": "%S", "p": "%p", "j": "%j", "I": "%I", "D": "%m/%d/%y",
    "F": "%Y-%m-%d", "T": "%H:%M:%S", "R": "%H:%M", "Z": "UTC", "z": "+0000",
}  # fmt: skip


def _datetime(value: Any, part: str) -> str:
    if not isinstance(value, (date, time)):
        raise FormatFailed(f"{part} != {type(value).__name__}")
    if part == "e":
        return str(value.day) if isinstance(value, date) else ""
    if part == "k":
        return str(value.hour) if not isinstance(value, date) or isinstance(value, datetime) else ""
    if part == "L":
        micro = value.microsecond if isinstance(value, (datetime, time)) else 0
        return f"{micro // 1000:03d}"
    pattern = _DATE_PARTS.get(part)
    if pattern is None:
        raise FormatFailed(f"Conversion = 't{part}'")
    text = value.strftime(pattern)
    return text.lower() if part == "p" else text


# A width past this is refused rather than allocated (user SQL must not run unbounded).
MAX_WIDTH = 1 << 20


def _pad(text: str, flags: str, width: str | None) -> str:
    if width is None or len(text) >= int(width):
        return text
    size = int(width)
    if size > MAX_WIDTH:
        raise FormatFailed(f"Format width {size} is larger than {MAX_WIDTH}")
    if "-" in flags:
        return text.ljust(size)
    if "0" in flags:
        sign = text[0] if text[:1] in "+-" else ""
        return sign + text[len(sign) :].rjust(size - len(sign), "0")
    return text.rjust(size)


def java_format(pattern: str, texts: list[str | None], kinds: list[str | None]) -> str:
    values = [_value(t, k) for t, k in zip(texts, kinds, strict=False)]
    pieces: list[str] = []
    position = 0
    ordinary = 0
    last = -1
    for match in _SPEC.finditer(pattern):
        pieces.append(pattern[position : match.start()])
        position = match.end()
        conversion = match["conversion"]
        if conversion == "%":
            pieces.append(_pad("%", match["flags"], match["width"]))
            continue
        if conversion == "n":
            pieces.append("\n")
            continue
        if match["index"]:
            index = int(match["index"]) - 1
        elif match["previous"]:
            index = last
        else:
            index = ordinary
            ordinary += 1
        if not 0 <= index < len(values):
            raise FormatFailed(f"Format specifier '{match[0]}'")
        last = index
        value = values[index]
        flags = match["flags"]
        if conversion[0] in "tT":
            text = "null" if value is None else _datetime(value, conversion[1])
        elif conversion.lower() in "doxefga" and value is not None:
            text = _number(value, flags, match["precision"], conversion.lower())
        elif conversion.lower() == "b":
            text = "false" if value is None or value is False else "true"
        elif conversion.lower() == "c":
            text = "null" if value is None else chr(value) if isinstance(value, int) else value
        else:
            text = _shown(value)
            if match["precision"] is not None:
                text = text[: int(match["precision"])]
        if conversion.isupper():
            text = text.upper()
        pieces.append(_pad(text, flags, match["width"]))
    pieces.append(pattern[position:])
    return "".join(pieces)
