"""The expression lexer: the token kinds of AWS's own expression grammar.

AWS parses expressions with an ANTLR grammar (``DynamoDbGrammar.g4``, whose generated parser ships
in the DAX client) with these tokens: punctuation ``, ( ) . [ ]``, comparators, ``+ -``, the
case-insensitive keywords ``IN BETWEEN NOT AND OR SET ADD DELETE REMOVE``, ``INDEX`` (digits),
``ID``, ``ATTRIBUTE_NAME_SUB`` (``#name``), ``LITERAL_SUB`` (``:value``), a string literal, and
``UNKNOWN`` for any other character. Whitespace is a hidden token.

A syntax error names the offending token and a "near" window, built as DynamoDB Local's
``ExpressionErrorListener`` builds it: the previous token, the hidden whitespace before the
offending token, the token itself, the whitespace after it and the next token.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from lakehose.errors import ValidationException


class Kind(Enum):
    PUNCT = "punct"  # , ( ) . [ ] = <> < <= > >= + -
    KEYWORD = "keyword"
    INDEX = "index"
    ID = "id"
    NAME = "name"  # #name
    VALUE = "value"  # :value
    STRING = "string"
    UNKNOWN = "unknown"
    EOF = "eof"


KEYWORDS = frozenset({"IN", "BETWEEN", "NOT", "AND", "OR", "SET", "ADD", "DELETE", "REMOVE"})
COMPARATORS = frozenset({"=", "<>", "<", "<=", ">", ">="})
_PUNCT = ",().[]=<>+-"
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_WHITESPACE = frozenset(" \t\r\n")


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    start: int
    end: int

    def is_punct(self, text: str) -> bool:
        return self.kind is Kind.PUNCT and self.text == text

    def is_keyword(self, word: str) -> bool:
        return self.kind is Kind.KEYWORD and self.text.upper() == word


def _word_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] in _WORD:
        end += 1
    return end


def _next_token(text: str, start: int) -> Token:
    char = text[start]
    if char in "#:":
        end = _word_end(text, start + 1)
        if end > start + 1:
            kind = Kind.NAME if char == "#" else Kind.VALUE
            return Token(kind, text[start:end], start, end)
        return Token(Kind.UNKNOWN, char, start, start + 1)
    if char.isascii() and char.isdigit():
        end = start
        while end < len(text) and text[end].isascii() and text[end].isdigit():
            end += 1
        return Token(Kind.INDEX, text[start:end], start, end)
    if char in _WORD:
        end = _word_end(text, start)
        word = text[start:end]
        return Token(Kind.KEYWORD if word.upper() in KEYWORDS else Kind.ID, word, start, end)
    pair = text[start : start + 2]
    if len(pair) == 2 and pair in COMPARATORS:  # <> <= >=
        return Token(Kind.PUNCT, pair, start, start + 2)
    if char in _PUNCT:
        return Token(Kind.PUNCT, char, start, start + 1)
    if char == '"':
        close = text.find('"', start + 1)
        if close > 0:
            return Token(Kind.STRING, text[start : close + 1], start, close + 1)
    return Token(Kind.UNKNOWN, char, start, start + 1)


def tokenize(text: str) -> list[Token]:
    """The significant tokens of ``text``, ending with an EOF token at ``len(text)``."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position] in _WHITESPACE:
            position += 1
            continue
        token = _next_token(text, position)
        tokens.append(token)
        position = token.end
    tokens.append(Token(Kind.EOF, "<EOF>", len(text), len(text)))
    return tokens


def invalid(label: str, message: str) -> ValidationException:
    """``Invalid <label>: <message>``, the form of every expression error."""
    return ValidationException(f"Invalid {label}: {message}")


def syntax_error(label: str, text: str, tokens: list[Token], index: int) -> ValidationException:
    """AWS's syntax error for the token at ``index``, with its "near" window."""
    token = tokens[index]
    start = tokens[index - 1].start if index > 0 else 0
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if token.kind is Kind.EOF or following is None or following.kind is Kind.EOF:
        end = len(text)  # the hidden whitespace up to the end belongs to the window
    else:
        end = following.end
    near = text[start:end]
    return invalid(label, f'Syntax error; token: "{token.text}", near: "{near}"')
