"""A recursive-descent parser for DynamoDB's PartiQL statements.

Grammar (keywords case-insensitive; ``name`` is a bare word or a ``"quoted identifier"``)::

    statement  := (select | insert | update | delete | exists) [";"]
    select     := SELECT ("*" | path {"," path}) FROM name ["." name]
                  [WHERE expr] [ORDER BY name [ASC|DESC] {"," name [ASC|DESC]}]
    insert     := INSERT INTO name VALUE tuple
    update     := UPDATE name (SET path "=" expr {"," path "=" expr} | REMOVE path {"," path})+
                  WHERE expr [RETURNING (ALL|MODIFIED) (OLD|NEW) "*"]
    delete     := DELETE FROM name WHERE expr [RETURNING ALL OLD "*"]
    exists     := EXISTS "(" select ")"
    expr       := and {OR and};  and := not {AND not};  not := NOT not | predicate
    predicate  := sum [comparator sum | [NOT] BETWEEN sum AND sum | [NOT] IN "[" expr {"," expr} "]"
                       | IS [NOT] type]
    sum        := term {("+"|"-") term}
    term       := literal | "?" | path | function "(" [expr {"," expr}] ")" | "(" expr ")"
    path       := name {"." name | "[" digits "]"}
    literal    := 'string' | number | TRUE | FALSE | NULL | "[" ... "]" | "{" 'key' ":" ... "}"
                  | "<<" ... ">>"

Parameters replace ``?`` as they are met; collection literals become attribute values at once
(AWS accepts parameters only as whole operands, IN members and an INSERT tuple's values).
Errors carry AWS's messages; the parser's depth is bounded by the statement's 8192 characters
and Python's recursion is capped by ``literals.MAX_DEPTH``.
"""

from __future__ import annotations

from collections.abc import Sequence

from lakehose.services.dynamodb.attributes import (
    validate_value,
)
from lakehose.services.dynamodb.errors import ValidationException
from lakehose.services.dynamodb.partiql.lexer import Kind, malformed, tokenize
from lakehose.services.dynamodb.partiql.literals import LiteralReader
from lakehose.services.dynamodb.partiql.syntax import (
    Assignment,
    AttributeValue,
    Binary,
    Delete,
    Exists,
    Expr,
    Func,
    Insert,
    Literal,
    Membership,
    Negation,
    Range,
    Ref,
    Removal,
    Select,
    Statement,
    TypeTest,
    Update,
)

# AWS's limit on operators and functions in one expression; it also bounds the depth of the
# condition trees the checker and the evaluator walk recursively.
MAX_OPERATORS = 300
PARAMETER_COUNT = "Number of parameters in request and statement don't match."
_COMPARATORS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
# Words that end an expression or a name; they are never attribute names when bare.
_RESERVED = frozenset(
    {
        "AND",
        "OR",
        "NOT",
        "IN",
        "BETWEEN",
        "IS",
        "FROM",
        "WHERE",
        "SET",
        "REMOVE",
        "RETURNING",
        "ORDER",
        "BY",
        "VALUE",
        "VALUES",
        "INTO",
        "SELECT",
        "AS",
        "AT",
    }
)
# What may follow a statement's table; any other name there is an alias.
_AFTER_SOURCE = ("WHERE", "ORDER", "SET", "REMOVE", "VALUE", "VALUES", "RETURNING", "ADD", "DELETE")
# SQL clauses DynamoDB's PartiQL does not have: refused by name wherever they appear.
_UNSUPPORTED_CLAUSES = frozenset(
    {"LIMIT", "OFFSET", "GROUP", "HAVING", "JOIN", "INNER", "LEFT", "RIGHT", "CROSS", "UNION"}
)
FUNCTIONS = frozenset(
    {
        "begins_with",
        "contains",
        "attribute_type",
        "attribute_exists",
        "attribute_not_exists",
        "size",
        "list_append",
        "set_add",
        "set_delete",
        "if_not_exists",
    }
)
# IS operands and the attribute type each tests (MISSING: the attribute is absent).
TYPE_NAMES = {
    "MISSING": "",
    "NULL": "NULL",
    "BOOLEAN": "BOOL",
    "BLOB": "B",
    "STRING": "S",
    "NUMERIC": "N",
    "STRUCT": "M",
    "TUPLE": "M",
    "LIST": "L",
}
_RETURNING = {
    ("ALL", "OLD"): "ALL_OLD",
    ("MODIFIED", "OLD"): "UPDATED_OLD",
    ("ALL", "NEW"): "ALL_NEW",
    ("MODIFIED", "NEW"): "UPDATED_NEW",
}
_UNSUPPORTED_IS = (
    "Unsupported data type for IS operator: {}. Supported data types are [MISSING, NULL, "
    "BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"
)


def parse_statement(text: str, parameters: Sequence[AttributeValue] | None) -> Statement:
    """The statement ``text`` with ``parameters`` in place of its ``?`` markers."""
    given = list(parameters or [])
    for value in given:
        validate_value(value)  # AWS refuses a bad parameter before reading the statement
    parser = _Parser(tokenize(text), given)
    statement = parser.statement()
    if parser.parameters_used != len(given):
        raise ValidationException(PARAMETER_COUNT)
    return statement


class _Parser(LiteralReader):
    """Statements, names, paths and expressions over the literal reader's tokens."""

    # -- statements ---------------------------------------------------------------------------

    def statement(self) -> Statement:
        statement: Statement
        if self.accept_word("SELECT"):
            statement = self.select()
        elif self.accept_word("INSERT"):
            statement = self.insert()
        elif self.accept_word("UPDATE"):
            statement = self.update()
        elif self.accept_word("DELETE"):
            statement = self.delete()
        elif self.accept_word("EXISTS"):
            self.expect_punct("(")
            self.expect_word("SELECT")
            statement = Exists(self.select())
            self.expect_punct(")")
        else:
            raise malformed("Expected data manipulation")
        self.refuse_unsupported_clause()
        self.accept_punct(";")
        if self.token.kind is not Kind.EOF:
            raise malformed("Unexpected token after expression")
        return statement

    def refuse_unsupported_clause(self) -> None:
        if self.token.kind is Kind.WORD and self.token.text.upper() in _UNSUPPORTED_CLAUSES:
            raise ValidationException(f"Unsupported clause: {self.token.text.upper()}")

    def select(self) -> Select:
        projection: tuple[Ref, ...] | None
        if self.token.is_word("VALUE", "PIVOT"):
            raise ValidationException("Select projection doesn't support value or pivot keywords")
        if self.accept_punct("*"):
            projection = None
            if self.token.is_punct(","):
                raise ValidationException(
                    "Other attributes should not be present in the projection when '*' is used."
                )
        else:
            paths = [self.path()]
            while self.accept_punct(","):
                if self.token.is_punct("*"):
                    raise ValidationException(
                        "Other attributes should not be present in the projection when '*' is used."
                    )
                paths.append(self.path())
            names = [path.render() for path in paths]
            duplicates = sorted({name for name in names if names.count(name) > 1})
            if duplicates:
                raise ValidationException(
                    f"Duplicate identifiers in select clause: {', '.join(duplicates)}"
                )
            projection = tuple(paths)
        self.expect_word("FROM")
        table, index = self.source()
        where = self.expression() if self.accept_word("WHERE") else None
        order: list[tuple[str, bool]] = []
        if self.accept_word("ORDER"):
            self.expect_word("BY")
            while True:
                name = self.name()
                descending = self.accept_word("DESC")
                if not descending:
                    self.accept_word("ASC")
                order.append((name, descending))
                if not self.accept_punct(","):
                    break
            if where is None:
                raise ValidationException(
                    "Must have WHERE clause in the statement when using ORDER BY clause."
                )
        return Select(projection, table, index, where, tuple(order))

    def source(self) -> tuple[str, str | None]:
        table = self.name()
        index = None
        if self.accept_punct("."):
            if self.token.is_punct("*"):
                raise ValidationException(
                    "Invalid path dot component in this operation, expecting either an "
                    "IDENTIFIER or STAR."
                )
            index = self.name()
            if self.token.is_punct("."):
                raise ValidationException(
                    "A path may contain at most 2 components in the FROM clause"
                )
        if self.token.is_punct(","):
            raise ValidationException("Only select from a single table or index is supported.")
        follows = self.token
        self.refuse_unsupported_clause()
        if follows.kind in (Kind.WORD, Kind.QUOTED) and not follows.is_word(*_AFTER_SOURCE):
            raise ValidationException("Aliasing is not supported")
        return table, index

    def insert(self) -> Insert:
        self.expect_word("INTO")
        table, index = self.source()
        if index is not None:
            raise ValidationException("This operation is not supported on an index")
        if self.token.is_word("VALUES") or self.token.is_punct("<<"):
            raise ValidationException(
                "Unsupported operation: Inserting multiple items in a single statement is not "
                'supported, use "INSERT INTO tableName VALUE item" instead'
            )
        self.expect_word("VALUE")
        if not self.token.is_punct("{"):
            raise ValidationException(
                "Unsupported format in item expression. Please use struct format {...} to "
                "express item values for insert statement."
            )
        self.advance()
        item = self.tuple_literal("", parameters=True)
        if self.token.is_word("RETURNING"):
            raise ValidationException("RETURNING is not supported in INSERT")
        if self.token.is_word("FROM", "WHERE"):
            raise ValidationException("Unsupported FROM ... WHERE ... clause in INSERT statement.")
        return Insert(table, item)

    def update(self) -> Update:
        table, index = self.source()
        if index is not None:
            raise ValidationException("This operation is not supported on an index")
        actions: list[Assignment | Removal] = []
        while True:
            if self.accept_word("SET"):
                actions.append(self.assignment())
                while self.accept_punct(","):
                    actions.append(self.assignment())
            elif self.accept_word("REMOVE"):
                actions.append(Removal(self.path()))
                while self.accept_punct(","):
                    actions.append(Removal(self.path()))
            elif self.token.is_word("ADD", "DELETE"):
                raise ValidationException(
                    "Only SET and REMOVE are supported in update expressions at this time"
                )
            else:
                break
        if not actions:
            raise self.unexpected("Expected SET or REMOVE")
        if not self.accept_word("WHERE"):
            raise ValidationException(
                "Where clause does not contain a mandatory equality on all key attributes"
            )
        where = self.expression()
        return Update(table, tuple(actions), where, self.returning())

    def assignment(self) -> Assignment:
        path = self.path()
        self.expect_punct("=")
        value = self.sum()
        if self.token.is_word("IS"):
            raise ValidationException("IS operator is not supported in update expressions")
        return Assignment(path, value)

    def delete(self) -> Delete:
        self.expect_word("FROM")
        table, index = self.source()
        if index is not None:
            raise ValidationException("This operation is not supported on an index")
        if not self.accept_word("WHERE"):
            raise ValidationException(
                "Where clause does not contain a mandatory equality on all key attributes"
            )
        where = self.expression()
        returning = self.returning()
        if returning is not None and returning != "ALL_OLD":
            written = returning.replace("UPDATED", "MODIFIED").replace("_", " ")
            raise ValidationException(
                f"Invalid returning clause: RETURNING {written} *. Only RETURNING ALL OLD * is "
                "allowed in DELETE statements."
            )
        return Delete(table, where, returning)

    def returning(self) -> str | None:
        if not self.accept_word("RETURNING"):
            return None
        first = self.advance()
        second = self.advance()
        chosen = _RETURNING.get((first.text.upper(), second.text.upper()))
        if chosen is None:
            raise malformed("Invalid RETURNING clause")
        if not self.accept_punct("*"):
            raise ValidationException(
                "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"
            )
        if self.token.is_punct(","):
            raise ValidationException(
                "Invalid syntax with multiple returning elements in RETURNING clause"
            )
        return chosen

    # -- names and paths ----------------------------------------------------------------------

    def name(self) -> str:
        token = self.token
        if token.kind is Kind.QUOTED or (
            token.kind is Kind.WORD and token.text.upper() not in _RESERVED
        ):
            self.advance()
            if not token.text:
                raise ValidationException("Path component cannot be an empty string")
            return token.text
        raise self.unexpected("Expected identifier")

    def path(self) -> Ref:
        if self.token.is_punct("["):
            raise ValidationException("A path cannot start with a list index")
        elements: list[str | int] = [self.name()]
        while True:
            if self.accept_punct("."):
                if self.token.is_punct("*"):
                    raise ValidationException("Unpivot path component like a.*.b are not supported")
                elements.append(self.name())
            elif self.accept_punct("["):
                elements.append(self.list_index())
                self.expect_punct("]")
            else:
                return Ref(tuple(elements))

    def list_index(self) -> int:
        negative = self.accept_punct("-")
        token = self.token
        if token.is_punct("*"):
            raise ValidationException("Wildcard path component like a[*].b are not supported")
        if token.kind is not Kind.NUMBER or not token.text.isdigit():
            raise self.unexpected("Expected a list index")
        self.advance()
        index = int(token.text)
        if (negative and index != 0) or index > 2**31 - 1:
            shown = f"-{token.text}" if negative else token.text
            raise ValidationException(
                f"List index is not within the allowable range; index: [{shown}]"
            )
        return index

    # -- expressions --------------------------------------------------------------------------

    def count_operator(self) -> None:
        self.operators += 1
        if self.operators > MAX_OPERATORS:
            raise ValidationException(
                f"The expression contains too many operators; operator count: {self.operators}"
            )

    def expression(self) -> Expr:
        self.nest()
        node = self.conjunction()
        while self.accept_word("OR"):
            self.count_operator()
            node = Binary("OR", node, self.conjunction())
        self.depth -= 1
        return node

    def conjunction(self) -> Expr:
        node = self.negation()
        while self.accept_word("AND"):
            self.count_operator()
            node = Binary("AND", node, self.negation())
        return node

    def negation(self) -> Expr:
        if self.accept_word("NOT"):
            self.count_operator()
            self.nest()
            operand = self.negation()
            self.depth -= 1
            return Negation(operand)
        return self.predicate()

    def predicate(self) -> Expr:
        left = self.sum()
        token = self.token
        if (token.kind is Kind.PUNCT and token.text in _COMPARATORS) or token.is_word(
            "NOT", "BETWEEN", "IN", "IS"
        ):
            self.count_operator()
        if token.kind is Kind.PUNCT and token.text in _COMPARATORS:
            self.advance()
            return Binary(_COMPARATORS[token.text], left, self.sum())
        negated = False
        if token.is_word("NOT") and self.peek().is_word("BETWEEN", "IN"):
            self.advance()
            negated = True
        if self.accept_word("BETWEEN"):
            low = self.sum()
            self.expect_word("AND")
            return Range(left, low, self.sum(), negated)
        if self.accept_word("IN"):
            return Membership(left, self.in_options(), negated)
        if self.accept_word("IS"):
            negated = self.accept_word("NOT")
            word = self.advance()
            type_name = word.text.upper()
            if word.kind is not Kind.WORD or type_name not in TYPE_NAMES:
                raise ValidationException(_UNSUPPORTED_IS.format(word.text))
            if not isinstance(left, Ref | Literal):
                raise ValidationException(
                    "The left hand side argument to IS must be a Variable Reference, Literal, "
                    "or Path"
                )
            return TypeTest(left, type_name, negated)
        return left

    def in_options(self) -> tuple[Expr, ...]:
        closing = "]" if self.accept_punct("[") else ")" if self.accept_punct("(") else None
        if closing is None or self.token.is_punct(closing):
            raise ValidationException(
                "IN operator must have a left hand argument of type Variable Reference and right "
                "hand argument of type Seq with at least one member"
            )
        options = [self.sum()]
        while self.accept_punct(","):
            options.append(self.sum())
        self.expect_punct(closing)
        return tuple(options)

    def sum(self) -> Expr:
        node = self.term()
        while self.token.is_punct("+", "-"):
            self.count_operator()
            op = self.advance().text
            node = Binary(op, node, self.term())
        return node

    def term(self) -> Expr:
        token = self.token
        if token.kind is Kind.PARAMETER:
            self.advance()
            return Literal(self.parameter())
        if token.is_punct("("):
            self.advance()
            inner = self.expression()
            self.expect_punct(")")
            return inner
        if token.is_punct("-", "+") or token.kind in (Kind.NUMBER, Kind.STRING):
            return Literal(self.scalar())
        if token.is_punct("[", "{", "<<"):
            return Literal(self.collection(""))
        if token.kind is Kind.WORD:
            word = token.text.upper()
            if word in ("TRUE", "FALSE", "NULL"):
                return Literal(self.scalar())
            if word == "MISSING":
                raise ValidationException("MISSING must be compared using IS operator")
            if self.peek().is_punct("("):
                return self.function()
        return self.path()

    def function(self) -> Func:
        name = self.advance().text
        self.advance()  # (
        self.count_operator()
        lowered = name.lower()
        if lowered not in FUNCTIONS:
            raise ValidationException(f"Unrecognized function: {name}")
        args: list[Expr] = []
        if not self.token.is_punct(")"):
            args.append(self.expression())
            while self.accept_punct(","):
                args.append(self.expression())
        self.expect_punct(")")
        return Func(lowered, tuple(args))
