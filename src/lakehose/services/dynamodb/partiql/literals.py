"""The token cursor the PartiQL parser reads with, and the literals it reads.

``TokenCursor`` walks the lexer's tokens, replaces ``?`` markers by the request's parameters in
order, and tracks nesting depth; ``LiteralReader`` turns literals into attribute values: strings,
numbers, TRUE / FALSE / NULL, lists ``[...]``, tuples ``{'key': ...}`` (maps) and bags ``<<...>>``
(string or number sets), with AWS's messages for what DynamoDB cannot store.
"""

from __future__ import annotations

from lakehose.services.dynamodb.attributes import normalize_number, number_error, validate_value
from lakehose.services.dynamodb.errors import ValidationException
from lakehose.services.dynamodb.partiql.lexer import Kind, Token, malformed
from lakehose.services.dynamodb.partiql.syntax import AttributeValue

MAX_DEPTH = 64


class TokenCursor:
    """The position in a statement's tokens, its parameters and how deep the parse is."""

    def __init__(self, tokens: list[Token], parameters: list[AttributeValue]) -> None:
        self.tokens = tokens
        self.position = 0
        self.parameters = parameters
        self.parameters_used = 0
        self.depth = 0
        self.operators = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.position]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.position + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.token
        if token.kind is not Kind.EOF:
            self.position += 1
        return token

    def accept_word(self, *words: str) -> bool:
        if self.token.is_word(*words):
            self.advance()
            return True
        return False

    def accept_punct(self, *texts: str) -> bool:
        if self.token.is_punct(*texts):
            self.advance()
            return True
        return False

    def expect_word(self, word: str) -> None:
        if not self.accept_word(word):
            raise self.unexpected(f"Expected {word}")

    def expect_punct(self, text: str) -> None:
        if not self.accept_punct(text):
            raise self.unexpected(f"Expected '{text}'")

    def unexpected(self, detail: str | None = None) -> ValidationException:
        token = self.token
        if token.kind is Kind.EOF:
            return malformed(detail or "Unexpected end of statement")
        return malformed(detail or f"Unexpected token: {token.text}")

    def parameter(self) -> AttributeValue:
        index = self.parameters_used
        self.parameters_used += 1
        # Too few parameters is reported once the whole statement is read.
        return self.parameters[index] if index < len(self.parameters) else {"NULL": True}

    def nest(self) -> None:
        """One level deeper; Python's stack stays far from its limit."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise malformed("Expression is nested too deeply")


class LiteralReader(TokenCursor):
    def scalar(self) -> AttributeValue:
        """A string, number, TRUE, FALSE or NULL literal (numbers may carry signs)."""
        sign = ""
        while self.token.is_punct("-", "+"):
            if self.advance().text == "-":
                sign = "" if sign else "-"
        token = self.token
        if token.kind is Kind.NUMBER:
            self.advance()
            text = normalize_number(sign + token.text)
            error = number_error(text)
            if error:
                raise ValidationException(error)
            return {"N": text}
        if sign or token.kind is Kind.EOF:
            raise self.unexpected("Expected a number")
        if token.kind is Kind.STRING:
            self.advance()
            return {"S": token.text}
        word = token.text.upper() if token.kind is Kind.WORD else ""
        if word in ("TRUE", "FALSE"):
            self.advance()
            return {"BOOL": word == "TRUE"}
        if word == "NULL":
            self.advance()
            return {"NULL": True}
        if word == "MISSING":
            raise ValidationException("MISSING must be compared using IS operator")
        raise self.unexpected()

    def value(self, where: str, *, parameters: bool = False) -> AttributeValue:
        """A literal inside a collection (``where`` names its place, as AWS's messages do)."""
        self.nest()
        if self.token.kind is Kind.PARAMETER:
            if not parameters:
                raise ValidationException(f"Unsupported data type: Parameter under key {where}")
            self.advance()
            found = self.parameter()
        elif self.token.is_punct("[", "{", "<<"):
            found = self.collection(where)
        else:
            found = self.scalar()
        self.depth -= 1
        return found

    def collection(self, where: str) -> AttributeValue:
        opening = self.advance().text
        if opening == "{":
            return self.tuple_literal(where or "root", parameters=False)
        if opening == "[":
            members: list[AttributeValue] = []
            if not self.accept_punct("]"):
                while True:
                    members.append(self.value(f"{where or 'root'}[{len(members)}]"))
                    if not self.accept_punct(","):
                        break
                self.expect_punct("]")
            return {"L": members}
        return self.bag(where or "root")

    def tuple_literal(self, where: str, *, parameters: bool) -> AttributeValue:
        """A ``{'key': value, ...}`` literal after its ``{``; an item's values may be ``?``."""
        fields: dict[str, AttributeValue] = {}
        if not self.accept_punct("}"):
            while True:
                key = self.token
                if key.kind is not Kind.STRING:
                    raise ValidationException(
                        f"Tuple keys must be of type String. Actual type: {key.kind.value.upper()}"
                        f" under {where or 'root'}"
                    )
                self.advance()
                self.expect_punct(":")
                place = f"{where}.{key.text}" if where else key.text
                if key.text in fields:
                    raise ValidationException(
                        f"Duplicate keys in tuple. Key: {key.text} under {where or 'root'}"
                    )
                fields[key.text] = self.value(place, parameters=parameters)
                if not self.accept_punct(","):
                    break
            self.expect_punct("}")
        return {"M": fields}

    def bag(self, where: str) -> AttributeValue:
        members: list[AttributeValue] = []
        if not self.accept_punct(">>"):
            while True:
                members.append(self.value(where))
                if not self.accept_punct(","):
                    break
            self.expect_punct(">>")
        if not members:
            raise ValidationException("Empty bags are not supported")
        kinds = {next(iter(member)) for member in members}
        if kinds == {"N"}:
            found: AttributeValue = {"NS": [member["N"] for member in members]}
        elif kinds == {"S"}:
            found = {"SS": [member["S"] for member in members]}
        else:
            raise ValidationException(
                "Unsupported data type in Bag. DynamoDB only supports either numbers or strings "
                "in bags"
            )
        validate_value(found)  # duplicates, as AWS words them
        return found
