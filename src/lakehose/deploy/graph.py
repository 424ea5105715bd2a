"""Dependency order between resources: from Ref, Fn::GetAtt, Fn::Sub and DependsOn.

A resource depends on every resource its properties refer to and on those in its ``DependsOn``.
Only the branch ``Fn::If`` takes counts, so a reference inside a branch that a condition turns
off neither orders nor blocks anything, as in CloudFormation. Creation follows the order; deletion
reverses it. Among resources whose dependencies are met, template order decides, which keeps
deploys reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lakehose.deploy.errors import TemplateError
from lakehose.deploy.intrinsics import split_get_att, sub_names


def references(value: Any, condition: Callable[[str], bool]) -> set[str]:
    """Every name ``value`` refers to with Ref, Fn::GetAtt or Fn::Sub (parameters included)."""
    found: set[str] = set()
    _collect(value, condition, found)
    return found


def _collect(value: Any, condition: Callable[[str], bool], found: set[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(item, condition, found)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref" and isinstance(argument, str):
            found.add(argument)
            return
        if key == "Fn::GetAtt":
            resource, attribute = split_get_att(argument)
            found.add(resource)
            _collect(attribute, condition, found)
            return
        if key == "Fn::Sub":
            _collect_sub(argument, condition, found)
            return
        if key == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
            _collect(argument[1] if condition(argument[0]) else argument[2], condition, found)
            return
    for item in value.values():
        _collect(item, condition, found)


def _collect_sub(argument: Any, condition: Callable[[str], bool], found: set[str]) -> None:
    text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
    for name in sub_names(text):
        if name not in variables:
            found.add(name.partition(".")[0])
    _collect(variables, condition, found)


def dependencies(
    resources: Mapping[str, Mapping[str, Any]],
    active: Iterable[str],
    condition: Callable[[str], bool],
) -> dict[str, list[str]]:
    """Each active resource's direct dependencies, checked to be active resources themselves."""
    wanted = set(active)
    chosen = [logical_id for logical_id in resources if logical_id in wanted]
    result: dict[str, list[str]] = {}
    for logical_id in chosen:
        declaration = resources[logical_id]
        named = references(declaration.get("Properties") or {}, condition) & set(resources)
        depends_on = declaration.get("DependsOn") or []
        explicit = [depends_on] if isinstance(depends_on, str) else list(depends_on)
        unresolved = sorted(n for n in {*named, *explicit} if n not in chosen)
        if unresolved:
            raise TemplateError(
                f"Template format error: Unresolved resource dependencies {unresolved} in the "
                f"Resources block of the template (needed by {logical_id})"
            )
        result[logical_id] = [n for n in chosen if n in named or n in explicit]
    return result


def creation_order(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Resources in an order where each comes after its dependencies; a cycle is an error."""
    waiting = {node: set(needs) for node, needs in graph.items()}
    order: list[str] = []
    while waiting:
        ready = [node for node, needs in waiting.items() if not needs]
        if not ready:
            raise TemplateError(f"Circular dependency between resources: {sorted(waiting)}")
        node = ready[0]
        order.append(node)
        del waiting[node]
        for needs in waiting.values():
            needs.discard(node)
    return order


def deletion_order(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Dependents before what they depend on. Dependencies on absent nodes are ignored."""
    present = {node: [n for n in needs if n in graph] for node, needs in graph.items()}
    return list(reversed(creation_order(present)))
