"""Template parameters: values from the command line, the previous deploy or defaults; types,
constraints and SSM lookups; and the Rules section that checks them.

CDK templates declare ``BootstrapVersion`` as ``AWS::SSM::Parameter::Value<String>`` defaulting to
``/cdk-bootstrap/hnb659fds/version``, and a ``CheckBootstrapVersion`` rule that fails when the
version is too old. lakehose has no SSM; it answers the bootstrap-version names (any qualifier)
with ``BOOTSTRAP_VERSION``, the version of the CDK bootstrap template it stands in for, and
refuses any other SSM name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lakehose.deploy.errors import ParameterError, RuleFailed, TemplateError
from lakehose.deploy.intrinsics import Evaluator
from lakehose.deploy.template import Template

BOOTSTRAP_VERSION = "21"
_BOOTSTRAP_PARAMETER = re.compile(r"^/cdk-bootstrap/[a-z0-9_-]+/version$")

_SSM_TYPE = re.compile(r"^AWS::SSM::Parameter::Value<(.+)>$")
_LIST_TYPE = re.compile(r"^List<(.+)>$")


def ssm_value(name: str) -> str:
    """The value lakehose answers for an SSM parameter name (CDK's bootstrap version only)."""
    if _BOOTSTRAP_PARAMETER.match(name):
        return BOOTSTRAP_VERSION
    raise ParameterError(
        f"Unable to fetch parameters [{name}] from parameter store for this account: lakehose "
        "answers only the CDK bootstrap version parameter"
    )


def resolve_parameters(
    template: Template,
    given: Mapping[str, str],
    previous: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The parameters' values for evaluation, and the raw values to remember for next time.

    A parameter takes the value given, else its previous deploy's value (as ``cdk deploy`` does
    with ``--previous-parameters``, its default), else its ``Default``.
    """
    declared = template.parameters
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ParameterError(f"Parameters: {unknown} do not exist in the template")
    values: dict[str, Any] = {}
    raw: dict[str, str] = {}
    missing: list[str] = []
    for name, declaration in declared.items():
        if not isinstance(declaration, dict) or not isinstance(declaration.get("Type"), str):
            raise TemplateError(f"Template format error: parameter {name} must declare a Type")
        if name in given:
            text = given[name]
        elif previous is not None and name in previous:
            text = previous[name]
        elif "Default" in declaration:
            text = _scalar(declaration["Default"])
        else:
            missing.append(name)
            continue
        raw[name] = text
        values[name] = _typed(name, declaration, text)
    if missing:
        raise ParameterError(f"Parameters: {missing} must have values")
    return values, raw


def check_rules(template: Template, evaluator: Evaluator) -> None:
    """Evaluate every rule whose condition holds; a false assertion fails with its text."""
    for name, rule in template.rules.items():
        if not isinstance(rule, dict):
            raise TemplateError(f"Template format error: rule {name} must be an object")
        condition = rule.get("RuleCondition")
        if condition is not None and not evaluator.truth(condition, f"rule {name}"):
            continue
        for assertion in rule.get("Assertions") or []:
            if not evaluator.truth(assertion.get("Assert"), f"rule {name}"):
                text = assertion.get("AssertDescription") or f"Assertion of rule {name} failed"
                raise RuleFailed(f"{text} (rule {name})")


def _typed(name: str, declaration: Mapping[str, Any], text: str) -> Any:
    kind: str = declaration["Type"]
    if found := _SSM_TYPE.match(kind):
        inner = found.group(1)
        resolved = ssm_value(text)
        return (
            _split(resolved)
            if _LIST_TYPE.match(inner) or inner == "CommaDelimitedList"
            else resolved
        )
    if kind == "CommaDelimitedList" or _LIST_TYPE.match(kind):
        items = _split(text)
        element = found.group(1) if (found := _LIST_TYPE.match(kind)) else "String"
        for item in items:
            _check(name, declaration, item, numeric=element == "Number")
        return items
    if kind == "Number":
        _check(name, declaration, text, numeric=True)
        return text
    if kind == "String" or kind.startswith("AWS::"):
        _check(name, declaration, text, numeric=False)
        return text
    raise TemplateError(f"Template format error: Unrecognized parameter type: {kind}")


def _check(name: str, declaration: Mapping[str, Any], value: str, *, numeric: bool) -> None:
    described = declaration.get("ConstraintDescription")
    allowed = declaration.get("AllowedValues")
    if allowed is not None and value not in [_scalar(v) for v in allowed]:
        raise ParameterError(described or f"Parameter '{name}' must be one of AllowedValues")
    pattern = declaration.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(str(pattern), value):
        raise ParameterError(
            f"Parameter '{name}' failed to satisfy constraint: "
            f"{described or f'Parameter must match pattern {pattern}'}"
        )
    if numeric:
        try:
            number = float(value)
        except ValueError:
            raise ParameterError(f"Parameter '{name}' must be a number not '{value}'") from None
        _bound(name, described, number, declaration.get("MinValue"), declaration.get("MaxValue"))
    else:
        length = len(value)
        _bound(name, described, length, declaration.get("MinLength"), declaration.get("MaxLength"))


def _bound(name: str, described: str | None, value: float, low: Any, high: Any) -> None:
    if (low is not None and value < float(low)) or (high is not None and value > float(high)):
        raise ParameterError(
            f"Parameter '{name}' failed to satisfy constraint: "
            f"{described or f'must be between {low} and {high}'}"
        )


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",")] if text else []


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_scalar(item) for item in value)
    return str(value)
