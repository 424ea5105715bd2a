"""CloudFormation templates: reading JSON or YAML into one shape, and its sections.

YAML templates may use the short-form tags (``!Ref``, ``!GetAtt``, ``!Sub`` ...); the loader turns
each into the long form (``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``) so everything downstream sees
one representation. Like CloudFormation, the loader keeps dates and times as strings: the
``AWSTemplateFormatVersion: 2010-09-09`` of every YAML template is a string, not a ``date``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lakehose.deploy.errors import TemplateError

# Short tags whose long form is ``Fn::<Name>``; ``!Ref`` and ``!Condition`` are the exceptions.
_FUNCTION_TAGS = (
    "Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select", "Split",
    "Sub", "Transform", "And", "Equals", "If", "Not", "Or", "Contains", "EachMemberEquals",
    "EachMemberIn", "RefAll", "ValueOf", "ValueOfAll", "Length", "ToJsonString",
)  # fmt: skip

SECTIONS = frozenset(
    {
        "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings",
        "Conditions", "Transform", "Resources", "Outputs",
    }
)  # fmt: skip


class _TemplateLoader(yaml.SafeLoader):
    """PyYAML's safe loader with CloudFormation's tags and without timestamp resolution."""


# Drop the timestamp resolver: CloudFormation reads ``2010-09-09`` as a string.
_TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _node_value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


def _function(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        value = _node_value(loader, node)
        if name == "GetAtt" and isinstance(value, str):
            # ``!GetAtt Res.Attr.Sub`` splits at the first dot: attribute names may contain dots.
            resource, _, attribute = value.partition(".")
            value = [resource, attribute]
        return {f"Fn::{name}": value}

    return construct


def _keyed(key: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        return {key: _node_value(loader, node)}

    return construct


for _name in _FUNCTION_TAGS:
    _TemplateLoader.add_constructor(f"!{_name}", _function(_name))
_TemplateLoader.add_constructor("!Ref", _keyed("Ref"))
_TemplateLoader.add_constructor("!Condition", _keyed("Condition"))


@dataclass(frozen=True)
class Template:
    """A parsed template: its sections, and a hash of its text to tell versions apart."""

    body: dict[str, Any]
    digest: str = field(default="")

    @property
    def parameters(self) -> dict[str, dict[str, Any]]:
        return self._section("Parameters")

    @property
    def rules(self) -> dict[str, dict[str, Any]]:
        return self._section("Rules")

    @property
    def mappings(self) -> dict[str, dict[str, Any]]:
        return self._section("Mappings")

    @property
    def conditions(self) -> dict[str, Any]:
        return self._section("Conditions")

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self._section("Resources")

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return self._section("Outputs")

    def _section(self, name: str) -> dict[str, Any]:
        value = self.body.get(name) or {}
        if not isinstance(value, dict):
            raise TemplateError(f"Template format error: {name} must be an object")
        return value


def parse_template(text: str) -> Template:
    """Parse a JSON or YAML template and check its top-level shape."""
    try:
        body = json.loads(text) if text.lstrip().startswith("{") else _load_yaml(text)
    except (ValueError, yaml.YAMLError) as error:
        raise TemplateError(f"Template format error: not valid JSON or YAML: {error}") from None
    if not isinstance(body, dict):
        raise TemplateError("Template format error: a template is a JSON or YAML object")
    return check_template(body, hashlib.sha256(text.encode()).hexdigest())


def load_template(path: Path) -> Template:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TemplateError(f"cannot read template {path}: {error.strerror}") from None
    return parse_template(text)


def template_from_dict(body: Mapping[str, Any]) -> Template:
    """A template given as data (tests, generated templates); hashed by its canonical JSON."""
    text = json.dumps(body, sort_keys=True)
    return check_template(dict(body), hashlib.sha256(text.encode()).hexdigest())


def check_template(body: dict[str, Any], digest: str) -> Template:
    unknown = sorted(set(body) - SECTIONS)
    if unknown:
        raise TemplateError(
            f"Template format error: Invalid template property or properties {unknown}"
        )
    if "Transform" in body:
        raise TemplateError(
            f"Template format error: Transform {body['Transform']!r} is not supported by lakehose"
        )
    template = Template(body, digest)
    if not template.resources:
        raise TemplateError("Template format error: At least one Resources member must be defined.")
    for logical_id, resource in template.resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise TemplateError(
                f"Template format error: [/Resources/{logical_id}] Every Resources object must "
                "contain a Type member."
            )
    return template


def _load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_TemplateLoader)  # a SafeLoader subclass: no arbitrary objects
