"""GetPartitions' ``Expression``: a small SQL WHERE language over a table's partition keys.

Grammar (keywords case-insensitive; Glue parses it with JSQLParser)::

    expression := disjunct (OR disjunct)*
    disjunct   := factor (AND factor)*
    factor     := NOT factor | '(' expression ')' | predicate
    predicate  := operand op operand                      op: = <> != < <= > >=
                | column [NOT] IN '(' literal (',' literal)* ')'
                | column [NOT] BETWEEN literal AND literal
                | column [NOT] LIKE 'pattern'                % any run, _ one character
                | column IS [NOT] NULL
    operand    := column | literal | '(' operand ')'
    literal    := 'text' ('' escapes a quote) | number | DATE 'yyyy-mm-dd' | TIMESTAMP '...'

Comparisons follow the key's declared type, as Glue's do: ``string``/``char``/``varchar`` compare
as text (a number literal as it is written), ``tinyint``/``smallint``/``int``/``bigint``/``long`` as
integers, ``decimal`` as decimals, ``date`` and ``timestamp`` as such; other types are refused.
A literal that does not fit the key's type is ``InvalidInputException``; a stored partition value
that does not fit is ``InvalidStateException``. A table column that is not a partition key is NULL
(so ``col IS NULL`` holds and comparisons are unknown, with SQL's three-valued logic); a name that
is neither is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lakehose.services.glue.errors import InvalidInputException, InvalidStateException

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")*"|`[^`]*`)
    | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<op><>|!=|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_.$]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"AND", "OR", "NOT", "IN", "BETWEEN", "LIKE", "IS", "NULL"}
_INTEGRAL = {"tinyint", "smallint", "int", "integer", "bigint", "long"}
_TEXT = {"string", "char", "varchar"}
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?")
_FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: bool(a == b),
    "<>": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}

Truth = bool | None  # SQL's three values: None is UNKNOWN


@dataclass(frozen=True)
class Key:
    """A column a partition is filtered on: its position in ``Values`` (None: not a key)."""

    index: int | None
    type: str


@dataclass(frozen=True)
class _Literal:
    text: str
    quoted: bool


class _Values:
    """One partition's values, converted to their keys' types on first use."""

    def __init__(self, values: Sequence[str]) -> None:
        self.values = values
        self._typed: dict[int, Any] = {}

    def get(self, key: Key) -> Any:
        if key.index is None:
            return None
        if key.index not in self._typed:
            text = self.values[key.index] if key.index < len(self.values) else None
            self._typed[key.index] = None if text is None else convert(key.type, text, stored=True)
        return self._typed[key.index]


Predicate = Callable[[_Values], Truth]


class PartitionFilter:
    """A parsed Expression, checked against the table's keys; ``matches`` tests one partition."""

    def __init__(self, expression: str, keys: dict[str, Key]) -> None:
        self._expression = expression
        self._keys = {name.lower(): key for name, key in keys.items()}
        self._tokens = _tokenize(expression)
        self._position = 0
        self._test = self._parse()

    def matches(self, values: Sequence[str]) -> bool:
        return self._test(_Values(values)) is True

    # -- parsing --------------------------------------------------------------------------

    def _parse(self) -> Predicate:
        if not self._tokens:
            return lambda _: True
        result = self._disjunction()
        if self._position != len(self._tokens) or not callable(result):
            raise self._unsupported()
        return result

    def _disjunction(self) -> Predicate | Key | _Literal:
        left = self._conjunction()
        while self._keyword("OR"):
            first, second = self._condition(left), self._condition(self._conjunction())
            left = _or(first, second)
        return left

    def _conjunction(self) -> Predicate | Key | _Literal:
        left = self._factor()
        while self._keyword("AND"):
            first, second = self._condition(left), self._condition(self._factor())
            left = _and(first, second)
        return left

    def _factor(self) -> Predicate | Key | _Literal:
        if self._keyword("NOT"):
            return _negate(self._condition(self._factor()), True)
        if self._punct("("):
            grouped = self._disjunction()
            self._expect(")")
            # A parenthesised column or literal, as in ``(year) = '2024'``.
            return self._predicate(grouped) if isinstance(grouped, Key | _Literal) else grouped
        return self._predicate(self._operand())

    def _predicate(self, left: Key | _Literal) -> Predicate | Key | _Literal:
        token = self._peek()
        if token is not None and token[0] == "op":
            self._position += 1
            operator = "<>" if token[1] == "!=" else token[1]
            return self._comparison(left, operator, self._operand())
        negated = self._keyword("NOT")
        if self._keyword("IN"):
            return _negate(self._in(self._column(left)), negated)
        if self._keyword("BETWEEN"):
            return _negate(self._between(self._column(left)), negated)
        if self._keyword("LIKE"):
            return _negate(self._like(self._column(left)), negated)
        if not negated and self._keyword("IS"):
            is_not = self._keyword("NOT")
            self._expect_keyword("NULL")
            key = self._column(left)
            return lambda row: (row.get(key) is None) != is_not
        if negated:
            raise self._unsupported()
        return left

    def _comparison(self, left: Key | _Literal, operator: str, right: Key | _Literal) -> Predicate:
        if isinstance(left, Key) and isinstance(right, _Literal):
            key, literal = left, right
        elif isinstance(left, _Literal) and isinstance(right, Key):
            key, literal, operator = right, left, _FLIPPED[operator]  # 2 < x is x > 2
        else:
            raise self._unsupported()
        compare, value = _COMPARE[operator], convert(key.type, literal.text)
        return lambda row: None if (stored := row.get(key)) is None else compare(stored, value)

    def _in(self, key: Key) -> Predicate:
        self._expect("(")
        options = [convert(key.type, self._literal().text)]
        while self._punct(","):
            options.append(convert(key.type, self._literal().text))
        self._expect(")")
        return lambda row: None if (stored := row.get(key)) is None else stored in options

    def _between(self, key: Key) -> Predicate:
        low = convert(key.type, self._literal().text)
        self._expect_keyword("AND")
        high = convert(key.type, self._literal().text)
        return lambda row: None if (stored := row.get(key)) is None else low <= stored <= high

    def _like(self, key: Key) -> Predicate:
        base = _base_type(key.type)
        if base not in _TEXT:
            kind = "Integral" if base in _INTEGRAL else base.capitalize()
            raise InvalidInputException(f"{kind} data type doesn't support operation 'LIKE'")
        pattern = self._literal()
        if not pattern.quoted:
            raise self._unsupported()
        regex = re.compile(like_regex(pattern.text), re.DOTALL)
        return lambda row: (
            None if (stored := row.get(key)) is None else bool(regex.fullmatch(stored))
        )

    def _operand(self) -> Key | _Literal:
        if self._punct("("):
            inner = self._operand()
            self._expect(")")
            return inner
        token = self._peek()
        if token is not None and token[0] == "word" and token[1].upper() not in _KEYWORDS:
            following = self._peek(1)
            if token[1].upper() in ("DATE", "TIMESTAMP") and following and following[0] == "string":
                self._position += 1  # a typed literal: the type comes from the key anyway
                return self._literal()
            self._position += 1
            return self._resolve(token[1])
        if token is not None and token[0] == "quoted":
            self._position += 1
            return self._resolve(token[1][1:-1].replace('""', '"'))
        return self._literal()

    def _literal(self) -> _Literal:
        token = self._peek()
        if token is None or token[0] not in ("string", "number"):
            raise self._unsupported()
        self._position += 1
        if token[0] == "string":
            return _Literal(token[1][1:-1].replace("''", "'"), quoted=True)
        return _Literal(token[1], quoted=False)

    def _resolve(self, name: str) -> Key:
        key = self._keys.get(name.lower())
        if key is None:
            raise InvalidInputException("Invalid partition expression!")
        return key

    def _column(self, operand: Key | _Literal | Predicate) -> Key:
        if not isinstance(operand, Key):
            raise self._unsupported()
        return operand

    def _condition(self, node: Predicate | Key | _Literal) -> Predicate:
        if isinstance(node, Key | _Literal):
            raise self._unsupported()
        return node

    # -- tokens ---------------------------------------------------------------------------

    def _peek(self, ahead: int = 0) -> tuple[str, str] | None:
        index = self._position + ahead
        return self._tokens[index] if index < len(self._tokens) else None

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token is not None and token[0] == "word" and token[1].upper() == word:
            self._position += 1
            return True
        return False

    def _punct(self, char: str) -> bool:
        token = self._peek()
        if token == ("punct", char):
            self._position += 1
            return True
        return False

    def _expect(self, char: str) -> None:
        if not self._punct(char):
            raise self._unsupported()

    def _expect_keyword(self, word: str) -> None:
        if not self._keyword(word):
            raise self._unsupported()

    def _unsupported(self) -> InvalidInputException:
        return InvalidInputException(f"Unsupported expression '{self._expression}'")


def _tokenize(expression: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while expression[position:].strip():
        found = _TOKEN.match(expression, position)
        if found is None or found.lastgroup is None:
            raise InvalidInputException(f"Unsupported expression '{expression}'")
        tokens.append((found.lastgroup, found.group(found.lastgroup)))
        position = found.end()
    return tokens


def _and(first: Predicate, second: Predicate) -> Predicate:
    def both(row: _Values) -> Truth:
        left = first(row)
        if left is False:
            return False
        right = second(row)
        return False if right is False else (None if None in (left, right) else True)

    return both


def _or(first: Predicate, second: Predicate) -> Predicate:
    def either(row: _Values) -> Truth:
        left = first(row)
        if left is True:
            return True
        right = second(row)
        return True if right is True else (None if None in (left, right) else False)

    return either


def _negate(predicate: Predicate, negated: bool) -> Predicate:
    if not negated:
        return predicate
    return lambda row: None if (truth := predicate(row)) is None else not truth


def _base_type(type_name: str) -> str:
    return type_name.strip().lower().split("(")[0].strip()


def like_regex(pattern: str) -> str:
    """SQL LIKE as a regular expression: ``%`` any run, ``_`` one character, the rest literal.

    Each piece between ``%`` is taken at its first occurrence and kept (an atomic group): that
    finds a match whenever one exists, in O(value x pattern), where ``.*a.*a.*b`` would
    backtrack through every placement, exponentially in the number of ``%``.
    """
    pieces = [
        "".join("." if c == "_" else re.escape(c) for c in piece) for piece in pattern.split("%")
    ]
    if len(pieces) == 1:
        return pieces[0]
    middle = "".join(f"(?>.*?{piece})" for piece in pieces[1:-1])
    return f"{pieces[0]}{middle}.*{pieces[-1]}"


def regex_full_matches(pattern: str, texts: Sequence[str], *, ignore_case: bool) -> list[bool]:
    """Which of ``texts`` a caller's regular expression matches entirely, matched by RE2.

    RE2 (DuckDB's) takes time linear in the text whatever the pattern; Python's ``re`` would
    backtrack, ``(a+)+$`` against a 30-character name taking hours. RE2 has no backreferences
    or lookaround. Raises ``ValueError`` with RE2's message for a pattern it cannot compile.
    """
    import duckdb  # only the filters that need it pay for loading DuckDB

    options = "i" if ignore_case else "c"
    connection = duckdb.connect(config={"enable_external_access": False, "threads": 1})
    try:
        # The pattern is compiled even for no texts, so that a bad one is refused regardless.
        ((_, found),) = connection.execute(
            "SELECT regexp_full_match('', $2, $3), "
            "list_transform($1::VARCHAR[], lambda t: regexp_full_match(t, $2, $3))",
            [list(texts), pattern, options],
        ).fetchall()
    except duckdb.Error as error:
        raise ValueError(str(error).split("\n", 1)[0]) from None
    finally:
        connection.close()
    return [bool(matched) for matched in found]


def convert(type_name: str, text: str, *, stored: bool = False) -> Any:
    """``text`` as a value of the partition key type ``type_name``.

    A literal that does not fit is the caller's mistake (InvalidInputException); a stored value
    that does not fit means the table's keys changed under its partitions (InvalidStateException).
    """
    base = _base_type(type_name)
    error = InvalidStateException if stored else InvalidInputException
    if base in _TEXT:
        return text
    if base in _INTEGRAL:
        if re.fullmatch(r"\s*[-+]?\d+\s*", text):
            return int(text)
        raise error(f"{text} is not an integer.")
    if base == "decimal":
        try:
            return Decimal(text.strip())
        except InvalidOperation:
            raise error(f"{text} is not a decimal.") from None
    if base == "date":
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            try:
                return date.fromisoformat(text.strip())
            except ValueError:
                pass
        raise error(f"{text} is not a date.")
    if base == "timestamp":
        if _TIMESTAMP.fullmatch(text.strip()):
            try:
                return datetime.fromisoformat(text.strip()[:26])
            except ValueError:
                pass
        raise error(
            f"Timestamp format must be yyyy-mm-dd hh:mm:ss[.fffffffff] {text} is not a timestamp."
        )
    raise InvalidInputException(f"Unknown type : '{type_name}'")
