"""Recursive-descent parser for AWS's expression grammar.

The grammar, as AWS's ``DynamoDbGrammar.g4`` defines it (rule names are AWS's)::

    projection  : path (',' path)*
    condition   : operand comparator operand | operand IN '(' operand (',' operand)* ')'
                | operand BETWEEN operand AND operand | func | '(' condition ')'
                | NOT condition | condition AND condition | condition OR condition
    update      : (SET set_action (',' set_action)* | REMOVE path (',' path)*
                  | ADD path literal (',' ...)* | DELETE path literal (',' ...)*)+
    set_action  : path '=' set_value
    set_value   : operand | arithmetic
    arithmetic  : operand ('+' | '-') operand | '(' arithmetic ')'
    operand     : path | literal | func | '(' operand ')'
    func        : ID '(' operand (',' operand)* ')'
    path        : (ID | #name) ('.' (ID | #name) | '[' INDEX ']')*

OR binds loosest, then AND, then NOT. Parentheses directly around parentheses are rejected as
redundant, at parse time, as AWS's grammar actions reject them. Names and values are resolved
through the ``ExpressionContext`` as they are read; problems that are not syntax errors go to
``Diagnostics`` and are reported after the whole expression parsed.

Nesting (parentheses, NOT, function calls) is parsed with explicit stacks, never by recursion, so
no expression can exhaust Python's stack; AWS's limit of 300 operators and functions per
expression (``Invalid FilterExpression: The expression contains too many operators; operator
count: 301``, aws/aws-sdk-js#3721) is counted as they are read, which also bounds the depth of the
trees the checker and evaluator walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn

from lakehose.services.dynamodb.expressions.context import ExpressionContext
from lakehose.services.dynamodb.expressions.diagnostics import Diagnostics
from lakehose.services.dynamodb.expressions.nodes import (
    And,
    Arithmetic,
    Between,
    Call,
    Comparison,
    CondNode,
    FunctionCondition,
    In,
    Not,
    Operand,
    Or,
    Path,
    PathElement,
    SetValue,
    UpdateAction,
    Value,
)
from lakehose.services.dynamodb.expressions.reserved_words import is_reserved
from lakehose.services.dynamodb.expressions.tokenizer import (
    COMPARATORS,
    Kind,
    Token,
    invalid,
    syntax_error,
    tokenize,
)

CONDITION_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
    "size": 1,
}
UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}
SECTIONS = ("SET", "REMOVE", "ADD", "DELETE")
MAX_EXPRESSION_BYTES = 4096  # AWS's limit on every expression string, aliases unexpanded
MAX_OPERATORS = 300  # AWS's limit on operators and functions in one expression


def precheck(text: str, label: str) -> None:
    """AWS's checks on the raw expression string, made before parsing."""
    if text == "":
        raise invalid(label, "The expression can not be empty;")
    size = len(text.encode("utf-8"))
    if size > MAX_EXPRESSION_BYTES:
        raise invalid(
            label,
            f"Expression size has exceeded the maximum allowed size; expression size: {size}",
        )


@dataclass
class _Group:
    """A condition group being read: its OR and AND chains so far and the NOTs awaiting a term."""

    nots: int = 0
    and_node: CondNode | None = None
    and_grouped: bool = False
    or_node: CondNode | None = None
    or_grouped: bool = False


@dataclass
class _Call:
    """A function call whose arguments are being read."""

    name: str
    args: list[Operand] = field(default_factory=list)


class Parser:
    """Parses one expression; ``for_update`` selects which functions are legal."""

    def __init__(
        self, text: str, ctx: ExpressionContext, diagnostics: Diagnostics, *, for_update: bool
    ) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.ctx = ctx
        self.diagnostics = diagnostics
        self.for_update = for_update
        self.operators = 0
        self._closing = _matching_parentheses(self.tokens)

    def count_operator(self) -> None:
        """One more operator or function; past AWS's limit the expression is refused at once."""
        self.operators += 1
        if self.operators > MAX_OPERATORS:
            raise invalid(
                self.diagnostics.label,
                f"The expression contains too many operators; operator count: {self.operators}",
            )

    # ------------------------------------------------------------------------------- tokens

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def fail(self) -> NoReturn:
        raise syntax_error(self.diagnostics.label, self.text, self.tokens, self.pos)

    def expect_punct(self, text: str) -> Token:
        if not self.peek().is_punct(text):
            self.fail()
        return self.advance()

    def expect_end(self) -> None:
        if self.peek().kind is not Kind.EOF:
            self.fail()

    def redundant_parentheses(self) -> NoReturn:
        raise invalid(self.diagnostics.label, "The expression has redundant parentheses;")

    # -------------------------------------------------------------------- paths and operands

    def path(self) -> Path:
        elements: list[PathElement] = []
        aliases: list[str | None] = []
        self._path_name(elements, aliases)
        while True:
            if self.peek().is_punct("."):
                self.advance()
                self._path_name(elements, aliases)
            elif self.peek().is_punct("["):
                self.advance()
                if self.peek().kind is not Kind.INDEX:
                    self.fail()
                elements.append(int(self.advance().text))
                aliases.append(None)
                self.expect_punct("]")
            else:
                return Path(tuple(elements), tuple(aliases))

    def _path_name(self, elements: list[PathElement], aliases: list[str | None]) -> None:
        token = self.peek()
        if token.kind is Kind.ID:
            if is_reserved(token.text):
                self.diagnostics.add(
                    "reserved",
                    f"Attribute name is a reserved keyword; reserved keyword: {token.text}",
                )
            elements.append(token.text)
            aliases.append(None)
        elif token.kind is Kind.NAME:
            name = self.ctx.name(token.text)
            if name is None:
                message = (
                    "An expression attribute name used in the document path is not defined; "
                    f"attribute name: {token.text}"
                )
                # Conditions report the first undefined reference of either kind, updates
                # every undefined name before any undefined value: both orders are kept.
                self.diagnostics.add("undefined", message)
                self.diagnostics.add("undefined_name", message)
            elements.append(token.text if name is None else name)
            aliases.append(token.text)
        else:
            self.fail()
        self.advance()

    def literal(self) -> Value:
        token = self.peek()
        if token.kind is not Kind.VALUE:
            self.fail()
        self.advance()
        value = self.ctx.value(token.text)
        if value is None:
            message = (
                "An expression attribute value used in expression is not defined; "
                f"attribute value: {token.text}"
            )
            self.diagnostics.add("undefined", message)
            self.diagnostics.add("undefined_value", message)
        return Value(token.text, value)

    def _call_head(self) -> _Call:
        """A function's name and its '(' (the arguments are read by ``operand``)."""
        name = self.advance().text
        if self.for_update and name not in UPDATE_FUNCTIONS:
            reason = "not allowed in an update expression" if name in CONDITION_FUNCTIONS else ""
            self._function_name_error(name, reason)
        elif not self.for_update and name not in CONDITION_FUNCTIONS:
            reason = "not allowed in a condition expression" if name in UPDATE_FUNCTIONS else ""
            self._function_name_error(name, reason)
        self.count_operator()
        self.expect_punct("(")
        return _Call(name)

    def _function_name_error(self, name: str, reason: str) -> None:
        detail = f"The function is {reason}" if reason else "Invalid function name"
        self.diagnostics.add("function_name", f"{detail}; function: {name}")

    def _leaf(self) -> Operand:
        token = self.peek()
        if token.kind is Kind.VALUE:
            return self.literal()
        if token.kind in (Kind.ID, Kind.NAME):
            return self.path()
        self.fail()

    def bare_operand(self) -> Operand:
        """An operand not wrapped in parentheses: a literal, a path or a function call."""
        if self.peek().is_punct("("):
            self.fail()
        return self.operand()[0]

    def operand(self) -> tuple[Operand, bool]:
        """An operand, and whether it was wrapped in parentheses.

        ``stack`` alternates the count of '(' read before an operand with the call that operand
        is an argument of; descending reads '(' and call heads, ascending closes them.
        """
        stack: list[int | _Call] = []
        while True:
            opened = 0
            while self.peek().is_punct("("):
                self.advance()
                opened += 1
            stack.append(opened)
            if self.peek().kind is Kind.ID and self.peek(1).is_punct("("):
                stack.append(self._call_head())
                continue
            node = self._leaf()
            while True:
                parentheses = stack.pop()
                assert isinstance(parentheses, int)
                grouped = False
                for _ in range(parentheses):
                    self.expect_punct(")")
                    if grouped:
                        self.redundant_parentheses()
                    grouped = True
                if not stack:
                    return node, grouped
                call = stack[-1]
                assert isinstance(call, _Call)
                call.args.append(node)
                if self.peek().is_punct(","):
                    self.advance()
                    break  # on to the next argument
                self.expect_punct(")")
                stack.pop()
                node = Call(call.name, tuple(call.args))

    # --------------------------------------------------------------------------- conditions

    def condition(self) -> CondNode:
        """``condition``, with one ``_Group`` per open '(' instead of one call per level."""
        groups = [_Group()]
        while True:
            group = groups[-1]
            while self.peek().is_keyword("NOT"):
                self.advance()
                self.count_operator()
                group.nots += 1
            if self.peek().is_punct("(") and not self._parenthesized_operand():
                self.advance()
                groups.append(_Group())
                continue
            node, grouped = self._predicate(), False
            while True:  # fold the finished term into its group, closing groups that end
                group = groups[-1]
                for _ in range(group.nots):
                    node, grouped = Not(node), False
                group.nots = 0
                if group.and_node is None:
                    group.and_node, group.and_grouped = node, grouped
                else:
                    group.and_node, group.and_grouped = And(group.and_node, node), False
                if self.peek().is_keyword("AND"):
                    self.advance()
                    self.count_operator()
                    break
                if group.or_node is None:
                    group.or_node, group.or_grouped = group.and_node, group.and_grouped
                else:
                    group.or_node, group.or_grouped = Or(group.or_node, group.and_node), False
                group.and_node = None
                if self.peek().is_keyword("OR"):
                    self.advance()
                    self.count_operator()
                    break
                assert group.or_node is not None
                if len(groups) == 1:
                    return group.or_node
                groups.pop()
                self.expect_punct(")")
                if group.or_grouped:
                    self.redundant_parentheses()
                node, grouped = group.or_node, True

    def _parenthesized_operand(self) -> bool:
        """Whether the '(' at the cursor opens an operand rather than a condition group.

        AWS's ANTLR parser decides with unbounded lookahead; the only way an operand in
        parentheses can continue is with a comparator, IN or BETWEEN after the closing ')'.
        """
        closing = self._closing.get(self.pos)
        if closing is None:
            return False
        after = self.tokens[min(closing + 1, len(self.tokens) - 1)]
        return (
            (after.kind is Kind.PUNCT and after.text in COMPARATORS)
            or after.is_keyword("IN")
            or after.is_keyword("BETWEEN")
        )

    def _predicate(self) -> CondNode:
        left, grouped = self.operand()
        token = self.peek()
        if token.kind is Kind.PUNCT and token.text in COMPARATORS:
            self.advance()
            self.count_operator()
            return Comparison(token.text, left, self.operand()[0])
        if token.is_keyword("BETWEEN"):
            self.advance()
            self.count_operator()
            low = self.operand()[0]
            if not self.peek().is_keyword("AND"):
                self.fail()
            self.advance()
            return Between(left, low, self.operand()[0])
        if token.is_keyword("IN"):
            self.advance()
            self.count_operator()
            self.expect_punct("(")
            options = [self.operand()[0]]
            while self.peek().is_punct(","):
                self.advance()
                options.append(self.operand()[0])
            self.expect_punct(")")
            return In(left, tuple(options))
        if isinstance(left, Call) and not grouped:
            return FunctionCondition(left)
        self.fail()

    # ------------------------------------------------------------------------------- update

    def update(self) -> list[UpdateAction]:
        actions: list[UpdateAction] = []
        seen: set[str] = set()
        while True:
            token = self.peek()
            if token.kind is Kind.EOF and actions:
                return actions
            section = token.text.upper()
            if token.kind is not Kind.KEYWORD or section not in SECTIONS:
                self.fail()
            self.advance()
            if section in seen:
                self.diagnostics.add(
                    "section",
                    f'The "{section}" section can only be used once in an update expression;',
                )
            seen.add(section)
            actions.append(self._update_action(section))
            while self.peek().is_punct(","):
                self.advance()
                actions.append(self._update_action(section))

    def _update_action(self, section: str) -> UpdateAction:
        path = self.path()
        if section == "REMOVE":
            return UpdateAction("REMOVE", path)
        if section == "SET":
            self.expect_punct("=")
            return UpdateAction("SET", path, self._set_value()[0])
        return UpdateAction("ADD" if section == "ADD" else "DELETE", path, self.literal())

    def _set_value(self) -> tuple[SetValue, bool, bool]:
        """A SET value, whether it is arithmetic, and whether it was wrapped in parentheses.

        ``set_value : operand | arithmetic`` with ``arithmetic : operand (+|-) operand |
        '(' arithmetic ')'``: the '(' are counted first, then closed from the inside out.
        """
        opened = 0
        while self.peek().is_punct("("):
            self.advance()
            opened += 1
        value, is_arithmetic, grouped = self._maybe_arithmetic(self.bare_operand(), False)
        for _ in range(opened):
            self.expect_punct(")")
            if grouped:
                self.redundant_parentheses()
            if is_arithmetic:
                grouped = True  # '(' arithmetic ')' cannot continue with + or -
                continue
            value, is_arithmetic, grouped = self._maybe_arithmetic(value, True)
        return value, is_arithmetic, grouped

    def _maybe_arithmetic(self, left: SetValue, grouped: bool) -> tuple[SetValue, bool, bool]:
        token = self.peek()
        if token.is_punct("+") or token.is_punct("-"):
            assert not isinstance(left, Arithmetic)
            self.advance()
            self.count_operator()
            right = self.operand()[0]
            return Arithmetic("+" if token.text == "+" else "-", left, right), True, False
        return left, False, grouped

    # --------------------------------------------------------------------------- projection

    def projection(self) -> list[Path]:
        paths = [self.path()]
        while self.peek().is_punct(","):
            self.advance()
            paths.append(self.path())
        return paths


def _matching_parentheses(tokens: list[Token]) -> dict[int, int]:
    """The index of each '(' token's matching ')', found in one pass."""
    found: dict[int, int] = {}
    open_at: list[int] = []
    for index, token in enumerate(tokens):
        if token.is_punct("("):
            open_at.append(index)
        elif token.is_punct(")") and open_at:
            found[open_at.pop()] = index
    return found
