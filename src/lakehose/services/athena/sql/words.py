"""A cursor over a statement's tokens, for the Hive DDL and utility statements sqlglot does
not model (SHOW ..., MSCK REPAIR TABLE, ALTER TABLE ... PARTITION, CREATE DATABASE ...).

Tokens come from sqlglot's Hive tokenizer, so quoting (``'text'``, ``"name"``, `` `name` ``)
and comments are handled as Athena's DDL parser handles them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from sqlglot.dialects.hive import Hive
from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token, TokenType

from lakehose.services.athena.sql.errors import SYNTAX_ERROR, QueryFailed, position_in


class _Tokenizer(Hive.Tokenizer):
    """Hive's tokens, one per word: no statement swallowed whole as a command (``SHOW ...``)
    and no multi-word keywords (``MSCK REPAIR``)."""

    COMMANDS: ClassVar[set[TokenType]] = set()
    KEYWORDS: ClassVar[dict[str, TokenType]] = {
        word: kind for word, kind in Hive.Tokenizer.KEYWORDS.items() if " " not in word
    }


@dataclass
class Words:
    query: str
    tokens: list[Token] = field(default_factory=list)
    position: int = 0

    @classmethod
    def of(cls, query: str) -> Words:
        try:
            tokens = _Tokenizer().tokenize(query)
        except TokenError as error:
            raise QueryFailed(SYNTAX_ERROR, str(error)) from None
        return cls(query, [t for t in tokens if t.token_type != TokenType.SEMICOLON])

    @property
    def done(self) -> bool:
        return self.position >= len(self.tokens)

    def peek(self, offset: int = 0) -> str:
        index = self.position + offset
        if index >= len(self.tokens):
            return ""
        token = self.tokens[index]
        return token.text.upper() if token.token_type not in (TokenType.STRING,) else ""

    def fail(self, expecting: str) -> QueryFailed:
        if self.done:
            offset, shown = len(self.query), "<EOF>"
        else:
            token = self.tokens[self.position]
            offset, shown = token.start, token.text
        return QueryFailed(
            SYNTAX_ERROR,
            f"mismatched input '{shown}'. Expecting: {expecting}",
            position=position_in(self.query, offset),
        )

    def accept(self, *words: str) -> bool:
        """Consume ``words`` if they come next (case-insensitive)."""
        if all(self.peek(i) == w for i, w in enumerate(words)):
            self.position += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise self.fail(" ".join(words))

    def end(self) -> None:
        if not self.done:
            raise self.fail("<EOF>")

    def name(self) -> list[str]:
        """A dotted name (``db.t``, ```db`.`t```, ``"db"."t"``) as its parts."""
        parts = [self._part()]
        while self.peek() == "." and self.position + 1 < len(self.tokens):
            self.position += 1
            parts.append(self._part())
        return parts

    def _part(self) -> str:
        if self.done:
            raise self.fail("<identifier>")
        token = self.tokens[self.position]
        # Hive reads "x" as a string; Athena users write it for names, so accept it.
        if token.token_type in (
            TokenType.COMMA,
            TokenType.L_PAREN,
            TokenType.R_PAREN,
            TokenType.EQ,
        ):
            raise self.fail("<identifier>")
        self.position += 1
        return token.text

    def string(self) -> str:
        if self.done or self.tokens[self.position].token_type != TokenType.STRING:
            raise self.fail("<string>")
        self.position += 1
        return self.tokens[self.position - 1].text

    def maybe_string(self) -> str | None:
        if not self.done and self.tokens[self.position].token_type == TokenType.STRING:
            return self.string()
        return None

    def value(self) -> str:
        """A literal: a string's text, or a number's / word's text."""
        text = self.maybe_string()
        if text is not None:
            return text
        if self.done:
            raise self.fail("<value>")
        self.position += 1
        return self.tokens[self.position - 1].text

    def pairs(self) -> dict[str, str]:
        """``(key = value, ...)`` as in a partition spec or a property list."""
        self.expect("(")
        found: dict[str, str] = {}
        while True:
            key = self.maybe_string()
            if key is None:
                key = self._part()
            self.expect("=")
            found[key] = self.value()
            if self.accept(")"):
                return found
            self.expect(",")
