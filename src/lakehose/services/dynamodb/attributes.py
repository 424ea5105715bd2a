"""DynamoDB attribute values: AWS's validation, number canonical form, ordering and item size.

An attribute value is the wire dict with exactly one type key: ``{"S": str}``, ``{"N": str}``,
``{"B": bytes}`` (the gateway has already decoded base64), ``{"SS": [str]}``, ``{"NS": [str]}``,
``{"BS": [bytes]}``, ``{"M": {name: value}}``, ``{"L": [value]}``, ``{"NULL": True}`` and
``{"BOOL": bool}``. An item maps attribute names to values.

Messages are AWS's as recorded by dynalite (``validations/index.js`` ``validateAttributeValue`` /
``checkNum``) and confirmed by moto's AWS-verified tests. Numbers follow AWS's rules: at most 38
significant digits, magnitude within 1E-130 .. 9.99..E+125, leading and trailing zeros trimmed.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from lakehose.errors import ValidationException

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

TYPE_KEYS = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")
SET_TYPES = {"SS": "S", "NS": "N", "BS": "B"}  # set type -> element type
MAX_ITEM_SIZE = 400 * 1024
MAX_NESTING_DEPTH = 32
MAX_SIGNIFICANT_DIGITS = 38

_INVALID = "One or more parameter values were invalid: "
_OVERFLOW = (
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
)
_UNDERFLOW = (
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)
_NOT_ONE_TYPE = "Supplied AttributeValue {}, must contain exactly one of the supported datatypes"
_NESTING = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)
# Java's BigDecimal grammar (AWS parses numbers in Java); Decimal alone would also accept
# "NaN", "Infinity" and surrounding whitespace, which AWS rejects.
# Written so that no two parts can match the same digits: ``\d+\.?\d*`` could split a run of
# digits every way and took quadratic time to refuse "1111...1x" (minutes for 400 KB).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


# --------------------------------------------------------------------------------------- numbers


def _digits_and_exponent(text: str) -> tuple[bool, str, int]:
    """``(negative, significant digits, exponent)`` with value ``digits * 10**exponent``.

    Digits carry no leading or trailing zeros; zero is ``(False, "0", 0)``. ``text`` must match
    the number grammar.
    """
    sign, digit_tuple, exponent = Decimal(text).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    if not digits:
        return False, "0", 0
    stripped = digits.rstrip("0")
    return bool(sign), stripped, exponent + len(digits) - len(stripped)


def number_error(text: str) -> str | None:
    """AWS's message for a malformed or out-of-range number, or ``None`` when it is valid."""
    if not text:
        return "The parameter cannot be converted to a numeric value"
    if not _NUMBER.fullmatch(text):
        return f"The parameter cannot be converted to a numeric value: {text}"
    _negative, digits, exponent = _digits_and_exponent(text)
    if digits == "0":
        return None
    scientific = exponent + len(digits) - 1  # exponent of the most significant digit
    if scientific > 125:
        return _OVERFLOW
    if scientific < -130:
        return _UNDERFLOW
    if len(digits) > MAX_SIGNIFICANT_DIGITS:
        return "Attempting to store more than 38 significant digits in a Number"
    return None


def normalize_number(text: str) -> str:
    """The canonical form AWS stores and returns: plain notation, no redundant zeros, no ``-0``."""
    negative, digits, exponent = _digits_and_exponent(text)
    if digits == "0":
        return "0"
    if exponent >= 0:
        plain = digits + "0" * exponent
    else:
        point = len(digits) + exponent
        plain = digits[:point] + "." + digits[point:] if point > 0 else "0." + "0" * -point + digits
    return "-" + plain if negative else plain


def number_value(text: str) -> Decimal:
    """A number attribute's value; exact (``Decimal`` comparison never rounds)."""
    return Decimal(text)


# ------------------------------------------------------------------------------------ validation


def type_of(value: AttributeValue) -> str:
    """The value's type key (``"S"``, ``"NS"``, ...)."""
    return next(iter(value))


def _render_collection(members: Sequence[str]) -> str:
    return "[" + ", ".join(members) + "]"


def _duplicate_error(set_type: str, members: list[Any]) -> str | None:
    if set_type == "NS":
        canonical = [normalize_number(member) for member in members]
        duplicated = len(set(canonical)) < len(members)
        return "Input collection contains duplicates" if duplicated else None
    if len(set(members)) == len(members):
        return None
    if set_type == "SS":
        return f"{_INVALID}Input collection {_render_collection(members)} contains duplicates."
    shown = [base64.b64encode(member).decode("ascii") for member in members]
    return f"{_INVALID}Input collection {_render_collection(shown)}of type BS contains duplicates."


_EMPTY_SET = {
    "SS": _INVALID + "An string set  may not be empty",
    "NS": _INVALID + "An number set  may not be empty",
    "BS": _INVALID + "Binary sets should not be empty",
}


def value_error(value: Any, depth: int = 0) -> str | None:
    """AWS's message for the first problem in ``value``, checked in AWS's order, or ``None``."""
    if not isinstance(value, Mapping):
        return _NOT_ONE_TYPE.format("is empty")
    types = [key for key in value if key in TYPE_KEYS]
    if not types:
        return _NOT_ONE_TYPE.format("is empty")
    for type_key in types:
        content = value[type_key]
        message: str | None = None
        if type_key == "N":
            message = number_error(content)
        elif type_key == "NULL" and content is not True:
            message = _INVALID + "Null attribute value types must have the value of true"
        elif type_key in SET_TYPES:
            if not content:
                message = _EMPTY_SET[type_key]
            elif type_key == "NS":
                message = next(filter(None, map(number_error, content)), None)
            message = message or _duplicate_error(type_key, list(content))
        elif type_key in ("M", "L"):
            message = _nested_error(type_key, content, depth + 1)
        if message:
            return message
    if len(types) > 1:
        return _NOT_ONE_TYPE.format("has more than one datatypes set")
    return None


def _nested_error(type_key: str, content: Any, depth: int) -> str | None:
    if depth > MAX_NESTING_DEPTH:
        return _NESTING
    members = content.values() if type_key == "M" else content
    return next(filter(None, (value_error(member, depth) for member in members)), None)


def validate_value(value: Any) -> None:
    """Raise AWS's ValidationException if ``value`` is not a well-formed attribute value."""
    message = value_error(value)
    if message:
        raise ValidationException(message)


def validate_item(item: Item, *, what: str = "item") -> None:
    """Raise AWS's ValidationException for the first malformed value of ``item``.

    ``what`` names the item in the engine's own messages; AWS's value messages do not mention it.
    """
    del what  # AWS's wording for attribute values is the same wherever the item came from
    for value in item.values():
        validate_value(value)


# ------------------------------------------------------------------------- equality and ordering


def compare_values(a: AttributeValue, b: AttributeValue) -> int:
    """-1, 0 or 1 for two values of the same scalar type S, N or B, as DynamoDB orders them.

    Numbers compare numerically, strings by their UTF-8 bytes (which is code point order) and
    binaries as unsigned bytes.
    """
    kind = type_of(a)
    if kind != type_of(b) or kind not in ("S", "N", "B"):
        raise TypeError(f"cannot order {type_of(a)} against {type_of(b)}")
    left: Any
    right: Any
    if kind == "N":
        left, right = number_value(a["N"]), number_value(b["N"])
    elif kind == "S":
        left, right = a["S"].encode("utf-8"), b["S"].encode("utf-8")
    else:
        left, right = bytes(a["B"]), bytes(b["B"])
    return int(left > right) - int(left < right)


def _set_members(kind: str, members: list[Any]) -> frozenset[Any]:
    if kind == "NS":
        return frozenset(number_value(member) for member in members)
    return frozenset(members)


def values_equal(a: AttributeValue, b: AttributeValue) -> bool:
    """DynamoDB equality: same type, numbers numerically, sets as sets, documents deeply."""
    kind = type_of(a)
    if kind != type_of(b):
        return False
    left, right = a[kind], b[kind]
    if kind == "N":
        return number_value(left) == number_value(right)
    if kind in SET_TYPES:
        return _set_members(kind, left) == _set_members(kind, right)
    if kind == "L":
        return len(left) == len(right) and all(map(values_equal, left, right))
    if kind == "M":
        return left.keys() == right.keys() and all(values_equal(left[k], right[k]) for k in left)
    return bool(left == right)


def set_contains(value: AttributeValue, member: AttributeValue) -> bool:
    """Whether the set ``value`` holds the scalar ``member`` (numbers compared numerically)."""
    kind = type_of(value)
    if SET_TYPES.get(kind) != type_of(member):
        return False
    if kind == "NS":
        return number_value(member["N"]) in _set_members(kind, value[kind])
    return member[SET_TYPES[kind]] in value[kind]


# ------------------------------------------------------------------------------------ item size


def _number_size(text: str) -> int:
    # DynamoDB stores numbers as base-100 digit pairs plus an exponent byte (dynalite measured
    # this against AWS's consumed capacity): the pairs are aligned on the decimal point, so an even
    # digit count whose most significant digit sits at an even exponent needs one extra pair,
    # and negative numbers carry a terminator byte. The docs round this to "1 byte per two
    # significant digits + 1".
    negative, digits, exponent = _digits_and_exponent(text)
    if digits == "0":
        return 1
    scientific = exponent + len(digits) - 1
    padding = 1 if len(digits) % 2 == 0 and scientific % 2 == 0 else 0
    return 1 + (len(digits) + 1) // 2 + padding + (1 if negative else 0)


def value_size(value: AttributeValue) -> int:
    """A value's size by AWS's item-size rules (without the attribute name)."""
    kind = type_of(value)
    content = value[kind]
    if kind == "S":
        return len(content.encode("utf-8"))
    if kind == "N":
        return _number_size(content)
    if kind == "B":
        return len(content)
    if kind == "SS":
        return sum(len(member.encode("utf-8")) for member in content)
    if kind == "NS":
        return sum(map(_number_size, content))
    if kind == "BS":
        return sum(map(len, content))
    if kind == "L":
        return 3 + sum(1 + value_size(member) for member in content)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in content.items())
    return 1  # NULL, BOOL


def item_size(item: Item) -> int:
    """AWS's item size: each attribute name's UTF-8 length plus its value's size."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


# ----------------------------------------------------------------------------- copying and keys


def copy_value(value: AttributeValue) -> AttributeValue:
    """A deep copy (bytes and strings are immutable and shared)."""
    kind = type_of(value)
    content = value[kind]
    if kind == "M":
        return {"M": {name: copy_value(member) for name, member in content.items()}}
    if kind == "L":
        return {"L": [copy_value(member) for member in content]}
    if kind in SET_TYPES:
        return {kind: list(content)}
    return {kind: content}


def copy_item(item: Item) -> Item:
    return {name: copy_value(value) for name, value in item.items()}


def normalize_value(value: AttributeValue) -> AttributeValue:
    """A copy with every number in canonical form, as AWS stores and returns it."""
    kind = type_of(value)
    content = value[kind]
    if kind == "N":
        return {"N": normalize_number(content)}
    if kind == "NS":
        return {"NS": [normalize_number(member) for member in content]}
    if kind == "M":
        return {"M": {name: normalize_value(member) for name, member in content.items()}}
    if kind == "L":
        return {"L": [normalize_value(member) for member in content]}
    return copy_value(value)


def normalize_item(item: Item) -> Item:
    return {name: normalize_value(value) for name, value in item.items()}


def key_of(item: Item, key_names: Sequence[str]) -> Item:
    """The key attributes of ``item`` named by ``key_names`` (those it has), in that order."""
    return {name: item[name] for name in key_names if name in item}
