"""Writing a parsed expression back as text, with the aliases and value references it used.

``parse(render(tree)) == tree`` for every tree the parser can produce; parentheses are added only
where precedence needs them (never around parentheses, which AWS rejects as redundant).
"""

from __future__ import annotations

from lakehose.services.dynamodb.expressions.nodes import (
    And,
    Arithmetic,
    Between,
    Comparison,
    CondNode,
    FunctionCondition,
    In,
    Not,
    Or,
    Path,
    SetValue,
    UpdateAction,
    Value,
)

_PRECEDENCE = {Or: 1, And: 2, Not: 3}  # leaf conditions: 4


def render_path(path: Path) -> str:
    aliases = path.aliases or (None,) * len(path.elements)
    text = ""
    for index, (element, alias) in enumerate(zip(path.elements, aliases, strict=True)):
        if isinstance(element, int):
            text += f"[{element}]"
        else:
            text += ("." if index else "") + (alias or element)
    return text


def render_operand(operand: SetValue) -> str:
    if isinstance(operand, Path):
        return render_path(operand)
    if isinstance(operand, Value):
        return operand.ref
    if isinstance(operand, Arithmetic):
        return f"{render_operand(operand.left)} {operand.op} {render_operand(operand.right)}"
    return f"{operand.name}({', '.join(map(render_operand, operand.args))})"


def render_condition(node: CondNode, minimum: int = 0) -> str:
    """The condition as text; ``minimum`` is the precedence its position requires."""
    precedence = _PRECEDENCE.get(type(node), 4)
    if isinstance(node, Or):
        text = f"{render_condition(node.left, 1)} OR {render_condition(node.right, 2)}"
    elif isinstance(node, And):
        text = f"{render_condition(node.left, 2)} AND {render_condition(node.right, 3)}"
    elif isinstance(node, Not):
        text = f"NOT {render_condition(node.operand, 3)}"
    elif isinstance(node, Comparison):
        text = f"{render_operand(node.left)} {node.op} {render_operand(node.right)}"
    elif isinstance(node, Between):
        low, high = render_operand(node.low), render_operand(node.high)
        text = f"{render_operand(node.subject)} BETWEEN {low} AND {high}"
    elif isinstance(node, In):
        options = ", ".join(map(render_operand, node.options))
        text = f"{render_operand(node.subject)} IN ({options})"
    else:
        assert isinstance(node, FunctionCondition)
        text = render_operand(node.call)
    return f"({text})" if precedence < minimum else text


def render_update(actions: tuple[UpdateAction, ...]) -> str:
    """Consecutive actions of one kind share a section, as the parser reads them."""
    sections: list[str] = []
    previous = None
    for action in actions:
        clause = render_path(action.path)
        if action.kind == "SET":
            assert action.value is not None
            clause += f" = {render_operand(action.value)}"
        elif action.value is not None:
            clause += f" {render_operand(action.value)}"
        if action.kind == previous:
            sections[-1] += f", {clause}"
        else:
            sections.append(f"{action.kind} {clause}")
        previous = action.kind
    return " ".join(sections)


def render_projection(paths: tuple[Path, ...]) -> str:
    return ", ".join(map(render_path, paths))
