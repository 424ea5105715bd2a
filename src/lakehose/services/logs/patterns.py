"""CloudWatch Logs filter patterns: which events ``FilterLogEvents`` returns.

Two of AWS's pattern forms are understood:

- **Terms** (unstructured events). Every plain term must occur in the message, none of the
  ``-`` terms may, and when there are ``?`` terms at least one of them must; terms are
  case-sensitive; a quoted term (``"an exact phrase"``) may hold spaces and punctuation, a bare
  one letters, digits and ``_``. An empty pattern matches every event.
- **JSON** (``{ ... }``): comparisons of selectors (``$.level``, ``$.a.b[0]``) with ``=`` and
  ``!=`` against strings (quoted or bare, ``*`` as a wildcard) and with ``=``, ``!=``, ``<``,
  ``<=``, ``>``, ``>=`` against numbers; ``IS TRUE``, ``IS FALSE``, ``IS NULL``, ``NOT EXISTS``;
  joined by ``&&`` and ``||`` (``&&`` binds tighter) and grouped by parentheses. An event that
  is not a JSON object matches no JSON pattern.

Space-delimited (``[ip, user, ...]``) and regular-expression (``%...%``) patterns are refused
with ``InvalidParameterException``. Matching is linear in the message: patterns are short (the
model allows 1,024 characters), nesting is bounded, and no pattern becomes a regular expression
with backtracking.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lakehose.services.logs.errors import InvalidParameterException

Matcher = Callable[[str], bool]
MAX_DEPTH = 16

_TERM = re.compile(r'\s*([-?]?)(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_]+))\s*')
_JSON_TOKEN = re.compile(
    r"""\s*(?:
        (?P<group>[()])
      | (?P<logic>&&|\|\|)
      | (?P<op>!=|<=|>=|=|<|>)
      | (?P<selector>\$(?:\.[A-Za-z0-9_\-@]+|\[\d+\])*)
      | "(?P<quoted>(?:[^"\\]|\\.)*)"
      | (?P<word>[^\s()&|=!<>"]+)
    )""",
    re.VERBOSE,
)


def compile_pattern(pattern: str | None) -> Matcher:
    """A predicate over event messages, or ``InvalidParameterException`` for a bad pattern."""
    text = (pattern or "").strip()
    if not text:
        return lambda message: True
    if text.startswith("{"):
        if not text.endswith("}"):
            raise _invalid()
        return _JsonParser(text[1:-1]).parse()
    if text.startswith(("[", "%")):
        raise InvalidParameterException(
            "lakehose supports term and JSON filter patterns; space-delimited and regular "
            "expression patterns are not supported."
        )
    return _terms(text)


def _invalid() -> InvalidParameterException:
    return InvalidParameterException("Invalid filter pattern")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _terms(text: str) -> Matcher:
    required: list[str] = []
    optional: list[str] = []
    excluded: list[str] = []
    position = 0
    while position < len(text):
        found = _TERM.match(text, position)
        if found is None or found.end() == position:
            raise _invalid()
        sign, quoted, bare = found.groups()
        term = _unescape(quoted) if quoted is not None else bare
        {"": required, "?": optional, "-": excluded}[sign].append(term)
        position = found.end()

    def matches(message: str) -> bool:
        return (
            all(term in message for term in required)
            and (not optional or any(term in message for term in optional))
            and not any(term in message for term in excluded)
        )

    return matches


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


_ABSENT = object()


class _JsonParser:
    """Recursive descent over the tokens of a JSON pattern's body."""

    def __init__(self, body: str) -> None:
        self.tokens = _tokenize(body)
        self.position = 0

    def parse(self) -> Matcher:
        if not self.tokens:
            raise _invalid()
        test = self._disjunction(0)
        if self.position != len(self.tokens):
            raise _invalid()

        def matches(message: str) -> bool:
            try:
                document = json.loads(message)
            except ValueError:
                return False
            return isinstance(document, dict) and test(document)

        return matches

    def _peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, kind: str | None = None, text: str | None = None) -> _Token:
        token = self._peek()
        if token is None or (kind and token.kind != kind) or (text and token.text != text):
            raise _invalid()
        self.position += 1
        return token

    def _disjunction(self, depth: int) -> Callable[[Any], bool]:
        parts = [self._conjunction(depth)]
        while (token := self._peek()) is not None and token.text == "||":
            self._take()
            parts.append(self._conjunction(depth))
        return parts[0] if len(parts) == 1 else lambda doc: any(part(doc) for part in parts)

    def _conjunction(self, depth: int) -> Callable[[Any], bool]:
        parts = [self._factor(depth)]
        while (token := self._peek()) is not None and token.text == "&&":
            self._take()
            parts.append(self._factor(depth))
        return parts[0] if len(parts) == 1 else lambda doc: all(part(doc) for part in parts)

    def _factor(self, depth: int) -> Callable[[Any], bool]:
        if depth > MAX_DEPTH:
            raise _invalid()
        token = self._peek()
        if token is not None and token.text == "(":
            self._take()
            inner = self._disjunction(depth + 1)
            self._take("group", ")")
            return inner
        path = _path(self._take("selector").text)
        following = self._take()
        if following.kind == "word" and following.text.upper() in ("IS", "NOT"):
            return self._predicate(path, following.text.upper())
        if following.kind != "op":
            raise _invalid()
        value = self._take()
        if value.kind not in ("word", "quoted"):
            raise _invalid()
        return _comparison(path, following.text, value)

    def _predicate(self, path: list[str | int], keyword: str) -> Callable[[Any], bool]:
        what = self._take("word").text.upper()
        if keyword == "NOT" and what == "EXISTS":
            return lambda doc: _select(doc, path) is _ABSENT
        if keyword == "IS" and what in ("TRUE", "FALSE", "NULL"):
            expected = {"TRUE": True, "FALSE": False, "NULL": None}[what]
            return lambda doc: _same(_select(doc, path), expected)
        raise _invalid()


def _same(found: Any, expected: Any) -> bool:
    return found is expected


def _tokenize(body: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(body):
        if body[position:].strip() == "":
            break
        found = _JSON_TOKEN.match(body, position)
        if found is None or found.end() == position:
            raise _invalid()
        kind = found.lastgroup or ""
        text = found.group(kind)
        tokens.append(_Token(kind, _unescape(text) if kind == "quoted" else text))
        position = found.end()
    return tokens


def _path(selector: str) -> list[str | int]:
    steps: list[str | int] = []
    for name, index in re.findall(r"\.([A-Za-z0-9_\-@]+)|\[(\d+)\]", selector[1:]):
        steps.append(int(index) if index else name)
    return steps


def _select(document: Any, path: list[str | int]) -> Any:
    current = document
    for step in path:
        if isinstance(step, int):
            if not isinstance(current, list) or step >= len(current):
                return _ABSENT
            current = current[step]
        else:
            if not isinstance(current, dict) or step not in current:
                return _ABSENT
            current = current[step]
    return current


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _comparison(path: list[str | int], op: str, value: _Token) -> Callable[[Any], bool]:
    number = _number(value.text) if value.kind == "word" else None
    if number is not None:
        compare: Callable[[float, float], bool] = {
            "=": operator.eq,
            "!=": operator.ne,
            "<": operator.lt,
            "<=": operator.le,
            ">": operator.gt,
            ">=": operator.ge,
        }[op]

        def numeric(doc: Any) -> bool:
            found = _select(doc, path)
            if isinstance(found, bool) or not isinstance(found, int | float):
                return False
            return compare(float(found), number)

        return numeric
    if op not in ("=", "!="):
        raise _invalid()
    glob = _glob(value.text)

    def textual(doc: Any) -> bool:
        found = _select(doc, path)
        if found is _ABSENT or isinstance(found, dict | list) or found is None:
            return False
        text = json.dumps(found) if isinstance(found, bool) else str(found)
        return glob(text) == (op == "=")

    return textual


def _glob(pattern: str) -> Callable[[str], bool]:
    """``*`` wildcards, matched left to right without backtracking blow-up."""
    pieces = pattern.split("*")
    if len(pieces) == 1:
        return lambda text: text == pattern

    def matches(text: str) -> bool:
        if not text.startswith(pieces[0]) or not text.endswith(pieces[-1]):
            return False
        position = len(pieces[0])
        end = len(text) - len(pieces[-1])
        for piece in pieces[1:-1]:
            found = text.find(piece, position, end)
            if found < 0:
                return False
            position = found + len(piece)
        return position <= end

    return matches
