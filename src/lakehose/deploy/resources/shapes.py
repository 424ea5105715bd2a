"""CloudFormation property values to API request values, checked against botocore's models.

Most CloudFormation properties carry their API member's name (``KinesisStreamARN``,
``BufferingHints``, ``TableInput``); some differ only in case. ``api_value`` walks a resolved
property value alongside the operation's input shape: it matches member names exactly or
ignoring case, applies the handler's renames for the few that differ, and converts scalars as
CloudFormation does (``"5"`` for an integer member, ``"true"`` for a boolean). A member the API
does not have is an error naming its path, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from lakehose.deploy.errors import DeployError


class PropertyError(DeployError):
    """A property value does not fit the API member it maps to."""


def _input(client: Any, operation: str) -> StructureShape:
    shape = client.meta.service_model.operation_model(operation).input_shape
    assert isinstance(shape, StructureShape)
    return shape


def member_shape(client: Any, operation: str, member: str) -> Shape:
    """The shape of one top-level member of ``operation``'s input (from the client's model)."""
    return _input(client, operation).members[member]


def api_arguments(
    client: Any,
    operation: str,
    props: Mapping[str, Any],
    renames: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``props`` as the keyword arguments of ``client``'s ``operation``."""
    return _structure(props, _input(client, operation), "", renames or {})


def api_value(value: Any, shape: Shape, path: str, renames: Mapping[str, str]) -> Any:
    """``value`` converted to ``shape``; ``renames`` maps property paths to member names."""
    if isinstance(shape, StructureShape):
        return _structure(value, shape, path, renames)
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            raise PropertyError(f"property {path} must be a list, got {value!r}")
        return [
            api_value(item, shape.member, f"{path}[{i}]", renames) for i, item in enumerate(value)
        ]
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            raise PropertyError(f"property {path} must be an object, got {value!r}")
        return {str(k): api_value(v, shape.value, f"{path}.{k}", renames) for k, v in value.items()}
    return _scalar(value, shape.type_name, path)


def _structure(
    value: Any, shape: StructureShape, path: str, renames: Mapping[str, str]
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PropertyError(f"property {path or 'value'} must be an object, got {value!r}")
    by_lower = {name.lower(): name for name in shape.members}
    result: dict[str, Any] = {}
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        member = renames.get(where) or (key if key in shape.members else by_lower.get(key.lower()))
        if member is None or member not in shape.members:
            raise PropertyError(f"property {where} is not supported (the API has no such member)")
        result[member] = api_value(item, shape.members[member], where, renames)
    return result


def _scalar(value: Any, kind: str, path: str) -> Any:
    try:
        if kind in ("integer", "long"):
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if kind in ("double", "float"):
            return float(value)
        if kind == "boolean":
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            if isinstance(value, bool):
                return value
            raise ValueError
        if kind == "string":
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, dict | list):
                # A JSON document property (a policy, a schema) the API takes as a string.
                return json.dumps(value)
            return str(value)
    except (TypeError, ValueError):
        raise PropertyError(f"property {path} must be a {kind}, got {value!r}") from None
    return value
