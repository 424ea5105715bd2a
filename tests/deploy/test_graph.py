"""Dependency order: references and DependsOn order creation; cycles and dangling names fail."""

from __future__ import annotations

from typing import Any

import pytest

from lakehose.deploy.errors import TemplateError
from lakehose.deploy.graph import creation_order, deletion_order, dependencies, references


def _always(value: bool) -> Any:
    return lambda name: value


def test_references_found_in_every_form() -> None:
    value = {
        "A": {"Ref": "Bucket"},
        "B": {"Fn::GetAtt": ["Stream", "Arn"]},
        "C": {"Fn::GetAtt": "Table.StreamArn"},
        "D": {"Fn::Sub": "${Role.Arn}/${Param}/${!NotAName}/${AWS::Region}"},
        "E": {"Fn::Sub": ["${Local}-${Func}", {"Local": {"Ref": "Queue"}}]},
        "F": [{"Fn::Join": ["", [{"Ref": "Deep"}]]}],
    }
    found = references(value, _always(True))
    assert found == {
        "Bucket",
        "Stream",
        "Table",
        "Role",
        "Param",
        "AWS::Region",
        "Func",
        "Queue",
        "Deep",
    }


def test_only_the_branch_fn_if_takes_counts() -> None:
    value = {"Fn::If": ["Cond", {"Ref": "Yes"}, {"Ref": "No"}]}
    assert references(value, _always(True)) == {"Yes"}
    assert references(value, _always(False)) == {"No"}


def test_order_follows_references_and_depends_on_then_template_order() -> None:
    resources = {
        "Query": {"Type": "T", "DependsOn": "WorkGroup", "Properties": {"Db": {"Ref": "Database"}}},
        "WorkGroup": {"Type": "T", "Properties": {"Out": {"Fn::Sub": "s3://${Bucket}/x"}}},
        "Database": {"Type": "T"},
        "Bucket": {"Type": "T"},
        "Other": {"Type": "T", "DependsOn": ["Bucket", "Database"]},
    }
    graph = dependencies(resources, resources, _always(True))
    assert graph["Query"] == ["WorkGroup", "Database"]
    order = creation_order(graph)
    assert order == ["Database", "Bucket", "WorkGroup", "Query", "Other"]
    assert deletion_order(graph) == list(reversed(order))


def test_a_cycle_is_an_error_naming_its_members() -> None:
    resources = {
        "A": {"Type": "T", "Properties": {"X": {"Ref": "B"}}},
        "B": {"Type": "T", "Properties": {"X": {"Fn::GetAtt": ["C", "Arn"]}}},
        "C": {"Type": "T", "DependsOn": "A"},
        "D": {"Type": "T"},
    }
    graph = dependencies(resources, resources, _always(True))
    with pytest.raises(
        TemplateError, match=r"Circular dependency between resources: \['A', 'B', 'C'\]"
    ):
        creation_order(graph)


@pytest.mark.parametrize(
    "declaration",
    [{"Type": "T", "DependsOn": "Ghost"}, {"Type": "T", "Properties": {"X": {"Ref": "Off"}}}],
    ids=["depends on an unknown resource", "refers to a resource whose condition is false"],
)
def test_dangling_dependencies_are_errors(declaration: dict[str, Any]) -> None:
    resources = {"Off": {"Type": "T", "Condition": "No"}, "User": declaration}
    with pytest.raises(TemplateError, match="Unresolved resource dependencies"):
        dependencies(resources, ["User"], _always(True))


def test_deletion_ignores_dependencies_on_absent_resources() -> None:
    assert deletion_order({"A": ["Gone"], "B": ["A"]}) == ["B", "A"]
