"""Which regular expressions Python's backtracking engine matches in time linear in the input.

The service models carry Java patterns that AWS matches against request values. Python's ``re``
backtracks, so a pattern with two overlapping unbounded repeats (DynamoDB's ``S3Bucket``,
``^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$``) costs polynomial time on a value that almost
matches: seconds for a few kilobytes, while holding the GIL. The validator therefore hands a
value longer than its shape's bound only to a pattern this module calls linear.

The rule is deliberately conservative, read off the parsed pattern: every repeat's body matches
exactly one character (a literal, a class, ``.``), no repeat sits inside another, and at most one
repeat is unbounded. Then each way of placing the bounded pieces costs one linear scan, and their
number does not grow with the input. Anything else (nested or adjacent unbounded repeats,
back-references, atomic groups) is treated as possibly super-linear.
"""

from __future__ import annotations

import re
from functools import lru_cache

# The parser behind re.compile; ``sre_parse`` is its deprecated alias.
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

_REPEATS = frozenset(
    op
    for op in (
        sre.MAX_REPEAT,
        sre.MIN_REPEAT,
        getattr(sre, "POSSESSIVE_REPEAT", None),
    )
    if op is not None
)
_ONE_CHARACTER = frozenset({sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY, sre.CATEGORY})
_HARMLESS = frozenset({sre.AT}) | _ONE_CHARACTER


@lru_cache(maxsize=1024)
def linear_time(pattern: str) -> bool:
    """Whether ``pattern`` (Python syntax) is matched in time linear in the subject's length."""
    try:
        parsed = _parser.parse(pattern, re.DOTALL)
    except (re.error, RecursionError, OverflowError):
        return False
    unbounded = _count_unbounded(list(parsed))
    return unbounded is not None and unbounded <= 1


def _count_unbounded(items: list[tuple[Any, Any]]) -> int | None:
    """Unbounded repeats in ``items``, or ``None`` when the sequence breaks the rule."""
    count = 0
    for op, argument in items:
        if op in _HARMLESS:
            continue
        if op in _REPEATS:
            _minimum, maximum, body = argument
            if not _single_character(list(body)):
                return None
            count += maximum == sre.MAXREPEAT
        elif op is sre.SUBPATTERN:
            inner = _count_unbounded(list(argument[-1]))
            if inner is None:
                return None
            count += inner
        elif op is sre.BRANCH:
            for branch in argument[1]:
                inner = _count_unbounded(list(branch))
                if inner is None:
                    return None
                count += inner
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            inner = _count_unbounded(list(argument[1]))
            if inner is None:
                return None
            count += inner
        else:
            return None  # back-references, atomic groups, conditionals: assume the worst
    return count


def _single_character(body: list[tuple[Any, Any]]) -> bool:
    """Whether a repeat's body is one character-matching item (possibly in a plain group)."""
    while len(body) == 1 and body[0][0] is sre.SUBPATTERN:
        body = list(body[0][1][-1])
    return len(body) == 1 and body[0][0] in _ONE_CHARACTER
