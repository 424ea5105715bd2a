"""Trino functions DuckDB has no counterpart for, as Python scalar functions.

Each is registered on every query connection under an ``lh_`` name (which user SQL cannot
call: the sandbox refuses the prefix) and reached only through the rewrites in ``functions``.
They are pure: no I/O, no state, bounded by their input (the sandbox's memory watch covers
them like any DuckDB allocation). A NULL argument gives NULL without a call (DuckDB's default
null handling), so the Python side sees only values.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import math
import re
import struct
import unicodedata
import urllib.parse
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import duckdb
from duckdb.func import FunctionNullHandling
from duckdb.sqltypes import DuckDBPyType

from lakehose.formats.pattern_cost import linear_time
from lakehose.services.athena.sql.duck_types import trino_type
from lakehose.services.athena.sql.java_format import java_format


class FunctionFailed(ValueError):
    """A documented argument error; its text is the message Trino gives."""


@dataclass(frozen=True)
class Udf:
    name: str
    function: Callable[..., Any]
    parameters: tuple[str, ...]
    returns: str


def _digest(algorithm: str) -> Callable[[bytes], bytes]:
    return lambda data: hashlib.new(algorithm, data).digest()


def _hmac(algorithm: str) -> Callable[[bytes, bytes], bytes]:
    return lambda data, key: hmac.new(key, data, algorithm).digest()


_MASK64 = (1 << 64) - 1
_P1, _P2, _P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
_P4, _P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5


def _rotate(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (64 - bits))) & _MASK64


def _round(accumulator: int, lane: int) -> int:
    accumulator = (accumulator + lane * _P2) & _MASK64
    return (_rotate(accumulator, 31) * _P1) & _MASK64


def _merge(accumulator: int, value: int) -> int:
    accumulator ^= _round(0, value)
    return (accumulator * _P1 + _P4) & _MASK64


def xxhash64(data: bytes) -> bytes:
    """xxHash64 (seed 0) as Trino returns it: the 64-bit hash as 8 big-endian bytes."""
    seed = 0
    length, offset = len(data), 0
    if length >= 32:
        lanes = [
            (seed + _P1 + _P2) & _MASK64,
            (seed + _P2) & _MASK64,
            seed,
            (seed - _P1) & _MASK64,
        ]
        while offset + 32 <= length:
            for i in range(4):
                (lane,) = struct.unpack_from("<Q", data, offset + 8 * i)
                lanes[i] = _round(lanes[i], lane)
            offset += 32
        value = (_rotate(lanes[0], 1) + _rotate(lanes[1], 7) + _rotate(lanes[2], 12)) & _MASK64
        value = (value + _rotate(lanes[3], 18)) & _MASK64
        for lane in lanes:
            value = _merge(value, lane)
    else:
        value = (seed + _P5) & _MASK64
    value = (value + length) & _MASK64
    while offset + 8 <= length:
        (lane,) = struct.unpack_from("<Q", data, offset)
        value ^= _round(0, lane)
        value = (_rotate(value, 27) * _P1 + _P4) & _MASK64
        offset += 8
    if offset + 4 <= length:
        (word,) = struct.unpack_from("<I", data, offset)
        value ^= (word * _P1) & _MASK64
        value = (_rotate(value, 23) * _P2 + _P3) & _MASK64
        offset += 4
    while offset < length:
        value ^= (data[offset] * _P5) & _MASK64
        value = (_rotate(value, 11) * _P1) & _MASK64
        offset += 1
    value ^= value >> 33
    value = (value * _P2) & _MASK64
    value ^= value >> 29
    value = (value * _P3) & _MASK64
    value ^= value >> 32
    return value.to_bytes(8, "big")


def _crc32(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


# -- URLs: java.net.URI's parts, as Trino's url_extract_* take them ---------------------------

_URI = re.compile(
    r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):)?"
    r"(?://(?P<authority>[^/?#]*))?(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?(?:#(?P<fragment>.*))?$"
)


def _uri(url: str) -> re.Match[str] | None:
    if any(c in url for c in ' "<>\\^`{|}') or "%" in re.sub(r"%[0-9A-Fa-f]{2}", "", url):
        return None  # java.net.URI refuses these: Trino returns NULL
    return _URI.match(url)


def _host_port(authority: str | None) -> tuple[str | None, int | None]:
    if authority is None:
        return None, None
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        host, _, rest = hostport.partition("]")
        return host + "]", int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    host, _, port = hostport.partition(":")
    return host or None, int(port) if port.isdigit() else None


def url_part(url: str, part: str) -> str | None:
    match = _uri(url)
    if match is None:
        return None
    if part == "host":
        return _host_port(match["authority"])[0]
    value = match[part]
    if part in ("path", "query", "fragment") and value is not None:
        return urllib.parse.unquote(value) if part == "path" else value
    return value


def url_port(url: str) -> int | None:
    match = _uri(url)
    return None if match is None else _host_port(match["authority"])[1]


def url_parameter(url: str, name: str) -> str | None:
    match = _uri(url)
    if match is None or match["query"] is None:
        return None
    for pair in match["query"].split("&"):
        key, equals, value = pair.partition("=")
        if key == name:
            return urllib.parse.unquote_plus(value) if equals else ""
    return None


def url_encode(value: str) -> str:
    return urllib.parse.quote_plus(value, safe=".-*_")


def url_decode(value: str) -> str:
    try:
        return urllib.parse.unquote_plus(value, errors="strict")
    except UnicodeDecodeError:
        raise FunctionFailed("URLDecoder: Illegal hex characters in escape (%) pattern") from None


# -- strings ------------------------------------------------------------------------------------


def strpos(text: str, part: str, instance: int) -> int:
    """The 1-based position of the n-th instance (counted from the end when negative)."""
    if instance == 0:
        raise FunctionFailed("'instance' must be a positive or negative number.")
    if part == "":
        return 1
    index = -1 if instance > 0 else len(text) + 1
    for _ in range(abs(instance)):
        index = (
            text.find(part, index + 1)
            if instance > 0
            else text.rfind(part, 0, index - 1 + len(part))
        )
        if index < 0:
            return 0
    return index + 1


def split(text: str, delimiter: str, limit: int) -> list[str]:
    if limit <= 0:
        raise FunctionFailed("Limit must be positive")
    if delimiter == "":
        raise FunctionFailed("The delimiter may not be the empty string")
    return text.split(delimiter, limit - 1)


def regexp_position(text: str, pattern: str, start: int, occurrence: int) -> int:
    """The 1-based position of the n-th match from ``start``, -1 when there is none."""
    if start < 1:
        raise FunctionFailed("start position cannot be smaller than 1")
    if occurrence < 1:
        raise FunctionFailed("occurrence cannot be smaller than 1")
    # Python's engine backtracks and this runs inside the query, holding the interpreter:
    # a pattern it might match in super-linear time is refused rather than run unbounded.
    if not linear_time(pattern):
        raise FunctionFailed(
            "lakehose matches regexp_position patterns only without nested or adjacent unbounded "
            "repeats; regexp_like and regexp_extract take any pattern"
        )
    try:
        matches = list(re.compile(pattern).finditer(text, start - 1))
    except re.error as error:
        raise FunctionFailed(f"Invalid regular expression: {error}") from None
    return matches[occurrence - 1].start() + 1 if len(matches) >= occurrence else -1


# -- numbers, sizes, durations ----------------------------------------------------------------

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _check_radix(radix: int) -> None:
    if not 2 <= radix <= 36:
        raise FunctionFailed("Radix must be between 2 and 36")


def to_base(value: int, radix: int) -> str:
    _check_radix(radix)
    if value == 0:
        return "0"
    digits, number = [], abs(value)
    while number:
        number, digit = divmod(number, radix)
        digits.append(_DIGITS[digit])
    return ("-" if value < 0 else "") + "".join(reversed(digits))


def from_base(text: str, radix: int) -> int:
    _check_radix(radix)
    try:
        return int(text, radix)
    except ValueError:
        raise FunctionFailed(f"Not a valid base-{radix} number: {text}") from None


_SIZES = {u: 1024**i for i, u in enumerate(["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"])}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$")


def parse_data_size(text: str) -> Decimal:
    match = _SIZE.match(text)
    if match is None or match[2] not in _SIZES:
        raise FunctionFailed(f"Invalid data size: '{text}'")
    size: Decimal = (Decimal(match[1]) * _SIZES[match[2]]).to_integral_value(rounding="ROUND_DOWN")
    return size


_DURATIONS = {
    "ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0,
}  # fmt: skip
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$")


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if match is None or match[2] not in _DURATIONS:
        raise FunctionFailed(f"duration is not a valid data duration string: {text}")
    millis = round(float(match[1]) * _DURATIONS[match[2]] * 1000)
    return timedelta(milliseconds=millis)


def human_readable_seconds(seconds: float) -> str:
    if math.isnan(seconds) or math.isinf(seconds):
        raise FunctionFailed("Invalid argument found: " + str(seconds))
    total = round(seconds)
    parts = []
    for name, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
    if total or not parts:
        parts.append(f"{total} second{'s' if total != 1 else ''}")
    return ", ".join(parts)


def format_number(value: float) -> str:
    """Trino's ``format_number``: a unit symbol (K, M, B, T, Q) and three significant digits
    (the documented examples: 123456 is ``123K``, 1000000 ``1M``)."""
    number = abs(value)
    for unit, size in (("Q", 1e15), ("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if number >= size:
            return _significant(value / size) + unit
    return _significant(value)


def _significant(value: float) -> str:
    text = f"{value:.3g}"
    return format(Decimal(text), "f") if "e" in text else text


def cbrt(value: float) -> float:
    """The cube root correctly rounded, as Java's ``Math.cbrt`` (C's may be an ulp off)."""
    root = math.cbrt(value)
    if root == 0 or not math.isfinite(root):
        return root
    return root - (root * root * root - value) / (3 * root * root)


def bit_count(value: int, bits: int) -> int:
    if not 2 <= bits <= 64:
        raise FunctionFailed(
            "Bits specified in bit_count must be between 2 and 64, got " + str(bits)
        )
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if not low <= value <= high:
        raise FunctionFailed(
            "Number must be representable with the bits specified. "
            f"{value} cannot be represented with {bits} bits"
        )
    return bin(value & ((1 << bits) - 1)).count("1")


def luhn_check(text: str) -> bool:
    if not text or not text.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(text)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


# -- text and binary encodings ------------------------------------------------------------------


def from_utf8(data: bytes, replacement: str) -> str:
    return data.decode("utf-8", errors="replace").replace("\ufffd", replacement)


def normalize(text: str, form: str) -> str:
    if form.upper() not in ("NFC", "NFD", "NFKC", "NFKD"):
        raise FunctionFailed("Normalization form must be one of [NFD, NFC, NFKD, NFKC]")
    return unicodedata.normalize(form.upper(), text)  # type: ignore[arg-type]


def _b32decode(text: str) -> bytes:
    try:
        return base64.b32decode(text)
    except (binascii.Error, ValueError):
        raise FunctionFailed("Invalid input length " + str(len(text))) from None


def _b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise FunctionFailed("Illegal base64 character") from None


def _unpack(fmt: str, size: int) -> Callable[[bytes], Any]:
    def unpack(data: bytes) -> Any:
        if len(data) != size:
            raise FunctionFailed(f"input size must be exactly {size} bytes")
        return struct.unpack(fmt, data)[0]

    return unpack


def _pack(fmt: str) -> Callable[[Any], bytes]:
    return lambda value: struct.pack(fmt, value)


def trino_type_name(duck: str) -> str:
    """``typeof``'s answer: the Trino name of a DuckDB type given by DuckDB's ``typeof``."""
    try:
        return trino_type(DuckDBPyType(duck))
    except (duckdb.Error, TypeError, ValueError):
        return duck.lower()


def from_iso8601_date(text: str) -> date:
    try:
        if re.fullmatch(r"\d{4}-W\d{2}(-\d)?", text):
            year, week, *day = text.replace("W", "").split("-")
            return date.fromisocalendar(int(year), int(week), int(day[0]) if day else 1)
        if re.fullmatch(r"\d{4}-\d{3}", text):
            year, ordinal = text.split("-")
            return date(int(year), 1, 1) + timedelta(days=int(ordinal) - 1)
        if re.fullmatch(r"\d{4}(-\d{2}){0,2}", text):
            parts = [int(p) for p in text.split("-")] + [1, 1]
            return date(parts[0], parts[1], parts[2])
    except ValueError:
        pass
    raise FunctionFailed(f'Invalid format: "{text}"')


UDFS: tuple[Udf, ...] = (
    Udf("lh_md5", _digest("md5"), ("BLOB",), "BLOB"),
    Udf("lh_sha1", _digest("sha1"), ("BLOB",), "BLOB"),
    Udf("lh_sha256", _digest("sha256"), ("BLOB",), "BLOB"),
    Udf("lh_sha512", _digest("sha512"), ("BLOB",), "BLOB"),
    Udf("lh_hmac_md5", _hmac("md5"), ("BLOB", "BLOB"), "BLOB"),
    Udf("lh_hmac_sha1", _hmac("sha1"), ("BLOB", "BLOB"), "BLOB"),
    Udf("lh_hmac_sha256", _hmac("sha256"), ("BLOB", "BLOB"), "BLOB"),
    Udf("lh_hmac_sha512", _hmac("sha512"), ("BLOB", "BLOB"), "BLOB"),
    Udf("lh_crc32", _crc32, ("BLOB",), "BIGINT"),
    Udf("lh_xxhash64", xxhash64, ("BLOB",), "BLOB"),
    Udf("lh_strpos", strpos, ("VARCHAR", "VARCHAR", "BIGINT"), "BIGINT"),
    Udf("lh_split", split, ("VARCHAR", "VARCHAR", "BIGINT"), "VARCHAR[]"),
    Udf(
        "lh_regexp_position", regexp_position, ("VARCHAR", "VARCHAR", "BIGINT", "BIGINT"), "INTEGER"
    ),
    Udf("lh_bit_count", bit_count, ("BIGINT", "BIGINT"), "BIGINT"),
    Udf("lh_cbrt", cbrt, ("DOUBLE",), "DOUBLE"),
    Udf("lh_url_part", url_part, ("VARCHAR", "VARCHAR"), "VARCHAR"),
    Udf("lh_url_port", url_port, ("VARCHAR",), "BIGINT"),
    Udf("lh_url_parameter", url_parameter, ("VARCHAR", "VARCHAR"), "VARCHAR"),
    Udf("lh_url_encode", url_encode, ("VARCHAR",), "VARCHAR"),
    Udf("lh_url_decode", url_decode, ("VARCHAR",), "VARCHAR"),
    Udf("lh_to_base", to_base, ("BIGINT", "BIGINT"), "VARCHAR"),
    Udf("lh_from_base", from_base, ("VARCHAR", "BIGINT"), "BIGINT"),
    Udf("lh_parse_data_size", parse_data_size, ("VARCHAR",), "DECIMAL(38,0)"),
    Udf("lh_parse_duration", parse_duration, ("VARCHAR",), "INTERVAL"),
    Udf("lh_human_readable_seconds", human_readable_seconds, ("DOUBLE",), "VARCHAR"),
    Udf("lh_format_number", format_number, ("DOUBLE",), "VARCHAR"),
    Udf("lh_luhn_check", luhn_check, ("VARCHAR",), "BOOLEAN"),
    Udf("lh_from_utf8", from_utf8, ("BLOB", "VARCHAR"), "VARCHAR"),
    Udf("lh_normalize", normalize, ("VARCHAR", "VARCHAR"), "VARCHAR"),
    Udf("lh_to_base32", lambda b: base64.b32encode(b).decode(), ("BLOB",), "VARCHAR"),
    Udf("lh_from_base32", _b32decode, ("VARCHAR",), "BLOB"),
    Udf("lh_to_base64url", lambda b: base64.urlsafe_b64encode(b).decode(), ("BLOB",), "VARCHAR"),
    Udf("lh_from_base64url", _b64url_decode, ("VARCHAR",), "BLOB"),
    Udf("lh_to_big_endian_32", _pack(">i"), ("INTEGER",), "BLOB"),
    Udf("lh_from_big_endian_32", _unpack(">i", 4), ("BLOB",), "INTEGER"),
    Udf("lh_to_big_endian_64", _pack(">q"), ("BIGINT",), "BLOB"),
    Udf("lh_from_big_endian_64", _unpack(">q", 8), ("BLOB",), "BIGINT"),
    Udf("lh_to_ieee754_32", _pack(">f"), ("FLOAT",), "BLOB"),
    Udf("lh_from_ieee754_32", _unpack(">f", 4), ("BLOB",), "FLOAT"),
    Udf("lh_to_ieee754_64", _pack(">d"), ("DOUBLE",), "BLOB"),
    Udf("lh_from_ieee754_64", _unpack(">d", 8), ("BLOB",), "DOUBLE"),
    Udf("lh_trino_type", trino_type_name, ("VARCHAR",), "VARCHAR"),
    Udf("lh_from_iso8601_date", from_iso8601_date, ("VARCHAR",), "DATE"),
    Udf("lh_format", java_format, ("VARCHAR", "VARCHAR[]", "VARCHAR[]"), "VARCHAR"),
)


def register(connection: duckdb.DuckDBPyConnection, names: set[str] | None = None) -> None:
    """Create the functions of ``UDFS`` named in ``names`` (all of them without names) on a
    query's connection."""
    for udf in UDFS:
        if names is not None and udf.name not in names:
            continue
        connection.create_function(
            udf.name,
            _guarded(udf.function),
            [DuckDBPyType(p) for p in udf.parameters],
            DuckDBPyType(udf.returns),
            null_handling=FunctionNullHandling.SPECIAL,
            side_effects=False,
        )


def _guarded(function: Callable[..., Any]) -> Callable[..., Any]:
    """Argument errors surface as DuckDB invalid-input errors carrying Trino's message."""

    @functools.wraps(function)
    def run(*args: Any) -> Any:
        if any(a is None for a in args):
            return None
        try:
            return function(*args)
        except FunctionFailed as error:
            raise duckdb.InvalidInputException(f"{error}") from None
        except (OverflowError, InvalidOperation, struct.error, ValueError) as error:
            raise duckdb.InvalidInputException(str(error)) from None

    return run
