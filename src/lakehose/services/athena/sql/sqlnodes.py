"""Small builders of DuckDB expression trees, shared by the function rewrites.

Rewrites build DuckDB calls as sqlglot nodes (``call``), apply a Trino lambda to argument
expressions by substitution (``apply``), write new DuckDB lambdas (``lam``), and fail a row
the way Trino fails it (``fail``): DuckDB's ``error()`` with the Trino error name in front of
the message, which ``duck_errors`` turns back into that error.
"""

from __future__ import annotations

from sqlglot import exp

from lakehose.services.athena.sql.errors import ErrorKind

# ``error()`` messages that start with this marker carry a Trino error name: MARK + NAME + ": ".
ERROR_MARK = "LAKEHOSE_ERROR:"


def call(name: str, *args: exp.Expr) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def string(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def number(value: int) -> exp.Expr:
    literal = exp.Literal.number(abs(value))
    return exp.Neg(this=literal) if value < 0 else literal


def cast(node: exp.Expr, to: str) -> exp.Cast:
    return exp.cast(node, exp.DataType.build(to, dialect="duckdb"))


def lam(parameters: list[str], body: exp.Expr) -> exp.Lambda:
    """A DuckDB lambda over fresh parameter names (``lambda a, b: body``)."""
    return exp.Lambda(this=body, expressions=[exp.to_identifier(p) for p in parameters])


def ref(name: str) -> exp.Identifier:
    """A reference to a lambda parameter made with ``lam``."""
    return exp.to_identifier(name)


def parameters(function: exp.Expr) -> list[str]:
    if not isinstance(function, exp.Lambda):
        return []
    return [p.name for p in function.expressions]


def apply(function: exp.Expr, *args: exp.Expr) -> exp.Expr:
    """The body of a Trino lambda with each parameter replaced by an argument expression.

    A parameter shadowed by an inner lambda of the same name is left to that lambda."""
    if not isinstance(function, exp.Lambda):
        raise TypeError("not a lambda")
    names = {p.name.lower(): a for p, a in zip(function.expressions, args, strict=False)}
    return _substitute(function.this.copy(), names)


def _substitute(body: exp.Expr, names: dict[str, exp.Expr]) -> exp.Expr:
    def visit(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Lambda):
            inner = {p.name.lower() for p in node.expressions}
            kept = {k: v for k, v in names.items() if k not in inner}
            node.set("this", _substitute(node.this, kept))
            return node
        name = _parameter_name(node)
        if name is not None and name in names:
            return names[name].copy()
        if isinstance(node, exp.Column) and node.table.lower() in names and not node.db:
            # ``s.sum`` where ``s`` is a parameter: a field of the argument.
            return exp.Dot(this=names[node.table.lower()].copy(), expression=node.this)
        for key, value in list(node.args.items()):
            if isinstance(value, exp.Expr):
                node.set(key, visit(value))
            elif isinstance(value, list):
                node.set(key, [visit(v) if isinstance(v, exp.Expr) else v for v in value])
        return node

    return visit(body)


def _parameter_name(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Identifier) and not isinstance(node.parent, exp.Column):
        return node.name.lower()
    if isinstance(node, exp.Column) and not node.table and isinstance(node.this, exp.Identifier):
        return node.name.lower()
    return None


def fail(kind: ErrorKind, message: exp.Expr) -> exp.Expr:
    """An expression that fails the query with Trino's ``kind`` and ``message``."""
    text = exp.DPipe(this=string(f"{ERROR_MARK}{kind.name}: "), expression=message)
    return call("ERROR", text)


def when(condition: exp.Expr, then: exp.Expr, otherwise: exp.Expr) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=condition, true=then)], default=otherwise)


def is_type(node: exp.Expr, *types: str) -> bool:
    """Whether ``node`` is statically of one of ``types``: a cast or a typed constructor."""
    if isinstance(node, exp.Paren):
        return is_type(node.this, *types)
    if isinstance(node, exp.Cast):
        return node.to.is_type(*types)
    known: dict[type[exp.Expr], str] = {
        exp.CurrentDate: "date",
        exp.TsOrDsToDate: "date",
        exp.Date: "date",
        exp.LastDay: "date",
        exp.FromISO8601Date: "date",
        exp.CurrentTime: "time",
        exp.Localtime: "time",
        exp.CurrentTimestamp: "timestamptz",
        exp.Localtimestamp: "timestamp",
    }
    kind = known.get(type(node))
    return kind is not None and exp.DataType.build(kind).is_type(*types)
