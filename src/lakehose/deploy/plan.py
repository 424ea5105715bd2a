"""Everything a deploy decides before it touches a resource.

``make_plan`` resolves parameters, checks the Rules, evaluates the Conditions, chooses a handler
for every resource the conditions keep, and orders them. Any problem it finds (an unsupported
resource type or property, an unknown reference, a cycle, a failed rule) stops the deploy before
anything is created, as CloudFormation's template validation does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lakehose.deploy.errors import TemplateError, UnsupportedResourceType
from lakehose.deploy.graph import creation_order, dependencies, references
from lakehose.deploy.intrinsics import Evaluator, split_get_att
from lakehose.deploy.parameters import check_rules, resolve_parameters
from lakehose.deploy.resources import HANDLERS, NATIVE_CUSTOM_TYPES, PROVIDER, ResourceHandler
from lakehose.deploy.template import Template

POLICIES = frozenset({"Delete", "Retain", "RetainExceptOnCreate", "Snapshot"})
# Policies under which a deleted or replaced resource is kept. Snapshot is kept too: lakehose
# takes no snapshots, and deleting data the template asked to preserve would be worse.
KEEP = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})


@dataclass(frozen=True)
class Identity:
    """Who and where: what the pseudo parameters answer."""

    stack_name: str
    stack_id: str
    account_id: str
    region: str
    partition: str = "aws"

    def pseudo(self) -> dict[str, Any]:
        return {
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
        }


@dataclass(frozen=True)
class Plan:
    template: Template
    evaluator: Evaluator
    parameters: dict[str, str]
    handlers: dict[str, ResourceHandler]
    dependencies: dict[str, list[str]]
    order: list[str]


def make_plan(
    template: Template,
    identity: Identity,
    given: Mapping[str, str],
    previous: Mapping[str, str] | None,
) -> Plan:
    values, raw = resolve_parameters(template, given, previous)
    evaluator = Evaluator(
        template, parameters=values, pseudo=identity.pseudo(), region=identity.region
    )
    check_rules(template, evaluator)
    resources = template.resources
    active = [
        logical_id
        for logical_id, declaration in resources.items()
        if "Condition" not in declaration or evaluator.condition(declaration["Condition"])
    ]
    unsupported = sorted(
        {resources[i]["Type"] for i in active if resources[i]["Type"] not in HANDLERS}
    )
    if unsupported:
        raise UnsupportedResourceType(
            f"Unsupported resource type(s): {', '.join(unsupported)}. lakehose deploys "
            f"{', '.join(sorted(HANDLERS))}"
        )
    providers = native_providers(resources, active, evaluator)
    handlers = {
        logical_id: PROVIDER if logical_id in providers else HANDLERS[resources[logical_id]["Type"]]
        for logical_id in active
    }
    for logical_id, handler in handlers.items():
        _check_declaration(logical_id, resources[logical_id], handler)
    graph = dependencies(resources, active, evaluator.condition)
    for declaration in template.outputs.values():
        if "Condition" in declaration:
            evaluator.condition(declaration["Condition"])
    return Plan(template, evaluator, raw, handlers, graph, creation_order(graph))


def native_providers(
    resources: Mapping[str, Mapping[str, Any]], active: list[str], evaluator: Evaluator
) -> set[str]:
    """Lambda functions used only as ``ServiceToken`` of natively handled custom resources."""
    candidates: set[str] = set()
    for logical_id in active:
        declaration = resources[logical_id]
        if declaration["Type"] not in NATIVE_CUSTOM_TYPES:
            continue
        token = (declaration.get("Properties") or {}).get("ServiceToken")
        if isinstance(token, dict) and set(token) == {"Fn::GetAtt"}:
            candidates.add(str(split_get_att(token["Fn::GetAtt"])[0]))
    for logical_id in active:
        declaration = resources[logical_id]
        if declaration["Type"] not in NATIVE_CUSTOM_TYPES:
            candidates -= references(declaration.get("Properties") or {}, evaluator.condition)
    return {
        c for c in candidates if c in resources and resources[c]["Type"] == "AWS::Lambda::Function"
    }


def _check_declaration(
    logical_id: str, declaration: Mapping[str, Any], handler: ResourceHandler
) -> None:
    properties = declaration.get("Properties") or {}
    if not isinstance(properties, dict):
        raise TemplateError(f"Template format error: {logical_id}'s Properties must be an object")
    if handler.properties is not None:
        unknown = sorted(set(properties) - handler.properties)
        if unknown:
            raise TemplateError(
                f"{logical_id} ({declaration['Type']}): unsupported properties {unknown}; lakehose "
                f"supports {sorted(handler.properties)}"
            )
    for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
        if declaration.get(policy, "Delete") not in POLICIES:
            raise TemplateError(
                f"Template format error: {logical_id} has an unknown {policy} "
                f"{declaration[policy]!r}"
            )
