"""The PartiQL lexer: DynamoDB's subset of PartiQL's tokens.

Words (keywords or bare identifiers, case-insensitive keywords), ``"quoted identifiers"`` (``""``
is a quote inside), ``'string literals'`` (``''`` is a quote inside), numbers, the ``?``
parameter, punctuation including ``<<`` ``>>`` for bags, and comparators. ``--`` line comments
and ``/* */`` block comments are whitespace. The statement is at most 8192 characters (the API
model's bound), so every loop here is bounded by its length.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from lakehose.services.dynamodb.errors import ValidationException

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: "


class Kind(Enum):
    WORD = "word"
    QUOTED = "quoted"  # "identifier"
    STRING = "string"  # 'literal'
    NUMBER = "number"
    PARAMETER = "parameter"
    PUNCT = "punct"
    EOF = "eof"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str  # a quoted identifier's or string's content, without quotes
    start: int

    def is_word(self, *words: str) -> bool:
        return self.kind is Kind.WORD and self.text.upper() in words

    def is_punct(self, *texts: str) -> bool:
        return self.kind is Kind.PUNCT and self.text in texts


def malformed(detail: str) -> ValidationException:
    """AWS's syntax-error envelope around ``detail``."""
    return ValidationException(NOT_WELL_FORMED + detail)


_TWO_CHARACTER = ("<<", ">>", "<=", ">=", "<>", "!=")
_ONE_CHARACTER = "(),.[]{}:*=<>+-;?"
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_WORD = _WORD_START | frozenset("0123456789$")
_DIGITS = frozenset("0123456789")


def _skip_space(text: str, index: int) -> int:
    """The index of the first character after whitespace and comments."""
    while index < len(text):
        if text[index].isspace():
            index += 1
        elif text.startswith("--", index):
            end = text.find("\n", index)
            index = len(text) if end < 0 else end + 1
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            if end < 0:
                raise malformed("Unterminated block comment")
            index = end + 2
        else:
            break
    return index


def _quoted(text: str, start: int, quote: str) -> tuple[str, int]:
    """The content of a quoted token starting at ``start`` and the index after it."""
    parts: list[str] = []
    index = start + 1
    while True:
        end = text.find(quote, index)
        if end < 0:
            what = "string literal" if quote == "'" else "quoted identifier"
            raise malformed(f"Unterminated {what}")
        parts.append(text[index:end])
        if text.startswith(quote * 2, end):
            parts.append(quote)
            index = end + 2
            continue
        return "".join(parts), end + 1


def _number_end(text: str, start: int) -> int:
    index = start
    while index < len(text) and text[index] in _DIGITS:
        index += 1
    if index < len(text) and text[index] == "." and index + 1 <= len(text):
        index += 1
        while index < len(text) and text[index] in _DIGITS:
            index += 1
    if index < len(text) and text[index] in "eE":
        exponent = index + 1
        if exponent < len(text) and text[exponent] in "+-":
            exponent += 1
        if exponent < len(text) and text[exponent] in _DIGITS:
            index = exponent
            while index < len(text) and text[index] in _DIGITS:
                index += 1
    return index


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with one EOF token."""
    tokens: list[Token] = []
    index = _skip_space(text, 0)
    while index < len(text):
        char = text[index]
        if char in _WORD_START:
            end = index
            while end < len(text) and text[end] in _WORD:
                end += 1
            tokens.append(Token(Kind.WORD, text[index:end], index))
        elif char in "\"'":
            content, end = _quoted(text, index, char)
            tokens.append(Token(Kind.QUOTED if char == '"' else Kind.STRING, content, index))
        elif char in _DIGITS or (
            char == "." and index + 1 < len(text) and text[index + 1] in _DIGITS
        ):
            end = _number_end(text, index)
            tokens.append(Token(Kind.NUMBER, text[index:end], index))
        elif text[index : index + 2] in _TWO_CHARACTER:
            end = index + 2
            tokens.append(Token(Kind.PUNCT, text[index:end], index))
        elif char in _ONE_CHARACTER:
            end = index + 1
            kind = Kind.PARAMETER if char == "?" else Kind.PUNCT
            tokens.append(Token(kind, char, index))
        else:
            raise malformed(f"Unexpected character: {char}")
        index = _skip_space(text, end)
    tokens.append(Token(Kind.EOF, "", len(text)))
    return tokens
