"""CloudFormation's intrinsic functions, condition functions and rule functions.

An ``Evaluator`` resolves any template value: scalars stay as they are, lists and objects are
resolved member by member, and a one-key object whose key is ``Ref``, ``Condition`` (inside
condition functions) or ``Fn::...`` is a function call. ``Ref: AWS::NoValue`` (usually from
``Fn::If``) resolves to ``NO_VALUE``, and the object member or list element holding it is removed,
as CloudFormation removes the property.

What a resource reference means is not this module's business: the evaluator asks its
``ResourceScope`` (the deployer, which knows physical ids and attributes). While parameters,
rules and conditions are evaluated there is no scope, and a resource reference is an error.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

from lakehose.deploy.errors import TemplateError
from lakehose.deploy.template import Template


class _NoValue:
    """The value of ``Ref: AWS::NoValue``: the property is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()

PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
        "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
    }
)  # fmt: skip

# ``${Name}``, ``${Res.Attr}`` and the literal escape ``${!Text}`` in Fn::Sub strings.
SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class ResourceScope(Protocol):
    """Where resource references resolve: Ref, Fn::GetAtt and Fn::ImportValue."""

    def ref(self, logical_id: str) -> Any: ...

    def get_att(self, logical_id: str, attribute: str) -> Any: ...

    def import_value(self, name: str) -> Any: ...


def sub_names(text: str) -> list[str]:
    """The variable names a ``Fn::Sub`` string uses, literal escapes (``${!x}``) excluded."""
    return [
        m.group(1).strip() for m in SUB_VARIABLE.finditer(text) if not m.group(1).startswith("!")
    ]


def split_get_att(argument: Any) -> tuple[Any, Any]:
    """``Fn::GetAtt``'s resource and attribute, from ``[res, attr]`` or ``"res.attr"``."""
    if isinstance(argument, str) and "." in argument:
        resource, _, attribute = argument.partition(".")
        return resource, attribute
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
        return argument[0], argument[1]
    raise TemplateError(
        f"Template error: Fn::GetAtt requires [resource, attribute], got {argument!r}"
    )


def to_string(value: Any, where: str) -> str:
    """A scalar as CloudFormation renders it inside strings (booleans lowercase)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"Template error: {where} expects a string, got {value!r}")


class Evaluator:
    """Resolves template values against parameters, pseudo parameters and a resource scope."""

    def __init__(
        self,
        template: Template,
        *,
        parameters: Mapping[str, Any],
        pseudo: Mapping[str, Any],
        region: str,
        resources: ResourceScope | None = None,
    ) -> None:
        self.template = template
        self.parameters = dict(parameters)
        self.pseudo = {**pseudo, "AWS::NoValue": NO_VALUE}
        self.region = region
        self.resources = resources
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()
        self._functions: dict[str, Callable[[Any], Any]] = {
            "Fn::Base64": self._base64,
            "Fn::Contains": self._contains,
            "Fn::EachMemberEquals": self._each_member_equals,
            "Fn::EachMemberIn": self._each_member_in,
            "Fn::FindInMap": self._find_in_map,
            "Fn::GetAtt": self._get_att,
            "Fn::GetAZs": self._get_azs,
            "Fn::ImportValue": self._import_value,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::Sub": self._sub,
            "Fn::If": self._if,
            "Fn::Equals": self._equals,
            "Fn::And": self._and,
            "Fn::Or": self._or,
            "Fn::Not": self._not,
        }

    def with_resources(self, resources: ResourceScope) -> Evaluator:
        """The same evaluator (conditions already known) with a resource scope."""
        evaluator = Evaluator(
            self.template,
            parameters=self.parameters,
            pseudo=self.pseudo,
            region=self.region,
            resources=resources,
        )
        evaluator._conditions = self._conditions
        return evaluator

    # -- entry points -------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key.startswith("Fn::"):
                function = self._functions.get(key)
                if function is None:
                    raise TemplateError(f"Template error: Encountered unsupported function: {key}")
                return function(argument)
        members = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in members.items() if item is not NO_VALUE}

    def condition(self, name: str) -> bool:
        """The value of a named condition, evaluated once."""
        if name in self._conditions:
            return self._conditions[name]
        if name not in self.template.conditions:
            raise TemplateError(f"Template error: unresolved condition dependency {name}")
        if name in self._evaluating:
            raise TemplateError(f"Template error: circular dependency between conditions at {name}")
        self._evaluating.add(name)
        try:
            result = self.truth(self.template.conditions[name], f"condition {name}")
        finally:
            self._evaluating.discard(name)
        self._conditions[name] = result
        return result

    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise TemplateError(f"Template error: Ref takes a name, got {name!r}")
        if name in self.parameters:
            return self.parameters[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.template.resources:
            return self._scope(name).ref(name)
        raise TemplateError(
            f"Template format error: Unresolved resource dependencies [{name}] in the Resources "
            "block of the template"
        )

    # -- functions ----------------------------------------------------------------------------

    def _scope(self, name: str) -> ResourceScope:
        if self.resources is None:
            raise TemplateError(
                f"Template error: {name} is a resource; parameters, rules and conditions cannot "
                "refer to resources"
            )
        return self.resources

    def _get_att(self, argument: Any) -> Any:
        resource, attribute = split_get_att(argument)
        attribute = self.resolve(attribute)
        if not isinstance(attribute, str):
            raise TemplateError(
                f"Template error: Fn::GetAtt attribute must be a string: {attribute!r}"
            )
        if resource not in self.template.resources:
            raise TemplateError(
                f"Template error: instance of Fn::GetAtt references undefined resource {resource}"
            )
        return self._scope(resource).get_att(resource, attribute)

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, str):
            text, variables = argument, {}
        elif (
            isinstance(argument, list)
            and len(argument) == 2
            and isinstance(argument[0], str)
            and isinstance(argument[1], dict)
        ):
            text, variables = argument[0], {k: self.resolve(v) for k, v in argument[1].items()}
        else:
            raise TemplateError(
                f"Template error: Fn::Sub takes a string or [string, map]: {argument!r}"
            )

        def replace(match: re.Match[str]) -> str:
            inner = match.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            name = inner.strip()
            if name in variables:
                value = variables[name]
            elif "." in name:
                value = self._get_att(name)
            else:
                value = self.ref(name)
            return to_string(value, f"Fn::Sub variable ${{{name}}}")

        return SUB_VARIABLE.sub(replace, text)

    def _join(self, argument: Any) -> str:
        delimiter, items = self._pair(argument, "Fn::Join")
        delimiter = self.resolve(delimiter)
        values = self.resolve(items)
        if not isinstance(delimiter, str) or not isinstance(values, list):
            raise TemplateError(f"Template error: Fn::Join takes [delimiter, list]: {argument!r}")
        return delimiter.join(to_string(value, "Fn::Join") for value in values)

    def _select(self, argument: Any) -> Any:
        index, items = self._pair(argument, "Fn::Select")
        position = self.resolve(index)
        values = self.resolve(items)
        try:
            return values[int(position)]
        except (TypeError, ValueError, IndexError):
            raise TemplateError(
                f"Template error: Fn::Select cannot select index {position!r} of {values!r}"
            ) from None

    def _split(self, argument: Any) -> list[str]:
        delimiter, source = self._pair(argument, "Fn::Split")
        text = self.resolve(source)
        if not isinstance(delimiter, str) or not isinstance(text, str):
            raise TemplateError(
                f"Template error: Fn::Split takes [delimiter, string]: {argument!r}"
            )
        return text.split(delimiter)

    def _find_in_map(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 3:
            raise TemplateError(
                f"Template error: Fn::FindInMap takes three arguments: {argument!r}"
            )
        name, top, second = (self.resolve(item) for item in argument)
        try:
            return self.template.mappings[name][top][second]
        except (KeyError, TypeError):
            raise TemplateError(
                f"Template error: Unable to get mapping for {name}::{top}::{second}"
            ) from None

    def _get_azs(self, argument: Any) -> list[str]:
        region = self.resolve(argument) or self.region
        return [f"{region}{zone}" for zone in "abc"]

    def _base64(self, argument: Any) -> str:
        text = to_string(self.resolve(argument), "Fn::Base64")
        return base64.b64encode(text.encode()).decode()

    def _import_value(self, argument: Any) -> Any:
        name = self.resolve(argument)
        if not isinstance(name, str):
            raise TemplateError(f"Template error: Fn::ImportValue takes a name: {argument!r}")
        return self._scope(name).import_value(name)

    def _if(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 3 or not isinstance(argument[0], str):
            raise TemplateError(
                f"Template error: Fn::If takes [condition, then, else]: {argument!r}"
            )
        return self.resolve(argument[1] if self.condition(argument[0]) else argument[2])

    def _equals(self, argument: Any) -> bool:
        left, right = (
            self._comparable(self.resolve(item)) for item in self._pair(argument, "Fn::Equals")
        )
        return bool(left == right)

    def _and(self, argument: Any) -> bool:
        return all(self._booleans(argument, "Fn::And"))

    def _or(self, argument: Any) -> bool:
        return any(self._booleans(argument, "Fn::Or"))

    def _not(self, argument: Any) -> bool:
        if not isinstance(argument, list) or len(argument) != 1:
            raise TemplateError(
                f"Template error: Fn::Not takes a list of one condition: {argument!r}"
            )
        return not self.truth(argument[0], "Fn::Not")

    def _contains(self, argument: Any) -> bool:
        values, value = (self.resolve(item) for item in self._pair(argument, "Fn::Contains"))
        return self._comparable(value) in [self._comparable(v) for v in self._list(values)]

    def _each_member_equals(self, argument: Any) -> bool:
        values, value = (
            self.resolve(item) for item in self._pair(argument, "Fn::EachMemberEquals")
        )
        return all(self._comparable(v) == self._comparable(value) for v in self._list(values))

    def _each_member_in(self, argument: Any) -> bool:
        values, allowed = (self.resolve(item) for item in self._pair(argument, "Fn::EachMemberIn"))
        permitted = [self._comparable(v) for v in self._list(allowed)]
        return all(self._comparable(v) in permitted for v in self._list(values))

    # -- helpers ------------------------------------------------------------------------------

    def _booleans(self, argument: Any, where: str) -> list[bool]:
        if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
            raise TemplateError(f"Template error: {where} takes 2 to 10 conditions: {argument!r}")
        # Evaluated eagerly: CloudFormation validates every operand, so do we.
        return [self.truth(item, where) for item in argument]

    def truth(self, value: Any, where: str) -> bool:
        if isinstance(value, dict) and set(value) == {"Condition"}:
            return self.condition(value["Condition"])
        result = self.resolve(value)
        if isinstance(result, str) and result.lower() in ("true", "false"):
            return result.lower() == "true"
        if not isinstance(result, bool):
            raise TemplateError(f"Template error: {where} expects a condition, got {result!r}")
        return result

    @staticmethod
    def _pair(argument: Any, where: str) -> tuple[Any, Any]:
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError(f"Template error: {where} takes a list of two values: {argument!r}")
        return argument[0], argument[1]

    @staticmethod
    def _list(value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value]

    @staticmethod
    def _comparable(value: Any) -> Any:
        # CloudFormation compares parameter values as strings: "1" equals 1, "true" equals true.
        if isinstance(value, bool | int | float):
            return to_string(value, "comparison")
        return value
