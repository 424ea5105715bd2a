"""Event source mappings' filter criteria: AWS's event filter pattern language.

A pattern is a JSON object whose leaves are lists of conditions; an event matches when, for
every key of the pattern, the event's value at that key satisfies one of its conditions (nested
objects descend). Conditions: a literal (string, number, ``null``), ``{"prefix": s}``,
``{"suffix": s}``, ``{"equals-ignore-case": s}``, ``{"exists": bool}``, ``{"numeric": [op, n,
...]}`` and ``{"anything-but": value | [values] | {"prefix": s}}``. An array in the event
matches when any of its elements does. A record is delivered when any of the mapping's filters
(at most 5) matches it.

For Kinesis, the event is the record's ``kinesis`` metadata (``partitionKey``,
``sequenceNumber``...) with ``data`` the decoded JSON of the record's data; a record whose data
is not JSON matches only patterns that do not look inside ``data``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lakehose.services.awslambda.errors import InvalidParameterValueException

Filter = Callable[[dict[str, Any]], bool]
MAX_FILTERS = 5
_ABSENT = object()
_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def compile_filters(criteria: dict[str, Any] | None) -> Filter | None:
    """A predicate for the mapping's ``FilterCriteria`` (``None`` when it has no filters)."""
    filters = (criteria or {}).get("Filters") or []
    if not filters:
        return None
    if len(filters) > MAX_FILTERS:
        raise InvalidParameterValueException(
            f"The number of filters in FilterCriteria exceeds the maximum of {MAX_FILTERS}."
        )
    patterns = [_parse(str(entry.get("Pattern", ""))) for entry in filters]
    return lambda event: any(_matches(pattern, event) for pattern in patterns)


def _invalid() -> InvalidParameterValueException:
    return InvalidParameterValueException("Invalid filter pattern definition.")


def _parse(text: str) -> dict[str, Any]:
    try:
        pattern = json.loads(text)
    except ValueError:
        raise _invalid() from None
    if not isinstance(pattern, dict):
        raise _invalid()
    _check(pattern)
    return pattern


def _check(pattern: dict[str, Any]) -> None:
    for value in pattern.values():
        if isinstance(value, dict):
            _check(value)
        elif not isinstance(value, list) or not value:
            raise _invalid()


def _matches(pattern: dict[str, Any], event: Any) -> bool:
    for key, expected in pattern.items():
        found = event.get(key, _ABSENT) if isinstance(event, dict) else _ABSENT
        if isinstance(expected, dict):
            if not _matches(expected, found):
                return False
        elif not any(_condition(condition, found) for condition in expected):
            return False
    return True


def _condition(condition: Any, found: Any) -> bool:
    if isinstance(condition, dict):
        if "exists" in condition:
            return (found is not _ABSENT) == bool(condition["exists"])
        if found is _ABSENT:
            return False
        values = found if isinstance(found, list) else [found]
        return any(_operator(condition, value) for value in values)
    if found is _ABSENT:
        return False
    values = found if isinstance(found, list) else [found]
    return any(_equal(condition, value) for value in values)


def _equal(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    if isinstance(expected, int | float) and isinstance(value, int | float):
        return float(expected) == float(value)
    return bool(expected == value)


def _operator(condition: dict[str, Any], value: Any) -> bool:
    if "prefix" in condition:
        return isinstance(value, str) and value.startswith(str(condition["prefix"]))
    if "suffix" in condition:
        return isinstance(value, str) and value.endswith(str(condition["suffix"]))
    if "equals-ignore-case" in condition:
        expected = str(condition["equals-ignore-case"])
        return isinstance(value, str) and value.lower() == expected.lower()
    if "numeric" in condition:
        return _numeric(condition["numeric"], value)
    if "anything-but" in condition:
        excluded = condition["anything-but"]
        if isinstance(excluded, dict):
            return not _operator(excluded, value)
        options = excluded if isinstance(excluded, list) else [excluded]
        return not any(_equal(option, value) for option in options)
    raise _invalid()


def _numeric(terms: Any, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if not isinstance(terms, list) or len(terms) % 2:
        raise _invalid()
    for index in range(0, len(terms), 2):
        compare = _NUMERIC.get(str(terms[index]))
        if compare is None or not isinstance(terms[index + 1], int | float):
            raise _invalid()
        if not compare(float(value), float(terms[index + 1])):
            return False
    return True
