"""CreateTable's and UpdateTable's checks of key schemas, attribute definitions and indexes.

The rules and messages are AWS's (as moto's and dynalite's AWS-verified tests record them); the
order of the checks is the order in which AWS reports the first failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lakehose.services.dynamodb.errors import ValidationException, invalid_parameters
from lakehose.services.dynamodb.keys import KeyAttribute, KeySchema
from lakehose.services.dynamodb.tables import IndexMeta, Throughput

MAX_GLOBAL_INDEXES = 20
MAX_LOCAL_INDEXES = 5
MAX_CAPACITY = 1_000_000_000_000
MAX_PROJECTED_ATTRIBUTES = 100

Definitions = Sequence[Mapping[str, str]]


def check_billing(billing_mode: str, throughput: Mapping[str, int] | None) -> None:
    if billing_mode == "PAY_PER_REQUEST":
        if throughput is not None:
            raise invalid_parameters(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                "BillingMode is PAY_PER_REQUEST"
            )
        return
    if throughput is None:
        raise invalid_parameters(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode "
            "is PROVISIONED"
        )
    check_capacity(throughput)


def check_capacity(throughput: Mapping[str, int]) -> None:
    for member in ("ReadCapacityUnits", "WriteCapacityUnits"):
        if throughput[member] > MAX_CAPACITY:
            raise ValidationException(
                f"Given value {throughput[member]} for {member} is out of bounds"
            )


def check_key_count(key_schema: Sequence[Mapping[str, str]]) -> None:
    """A table key has one or two elements (AWS checks this first, like a model constraint)."""
    if len(key_schema) > 2:
        elements = ", ".join(
            f"KeySchemaElement(attributeName={k['AttributeName']}, keyType={k['KeyType']})"
            for k in key_schema
        )
        raise ValidationException(
            f"1 validation error detected: Value '[{elements}]' at 'keySchema' failed to satisfy "
            "constraint: Member must have length less than or equal to 2"
        )


def table_schema(key_schema: Sequence[Mapping[str, str]], definitions: Definitions) -> KeySchema:
    """The table's key, after AWS's checks of the key types and names."""
    return _schema(key_schema, definitions)


def check_definitions(
    key_schema: Sequence[Mapping[str, str]],
    definitions: Definitions,
    local_indexes: Sequence[Mapping[str, Any]] | None,
    global_indexes: Sequence[Mapping[str, Any]] | None,
) -> None:
    """Every definition is a key of the table or an index, and every key has a definition."""
    seen: set[str] = set()
    for definition in definitions:
        if definition["AttributeName"] in seen:
            raise ValidationException(
                f"Attribute Name is duplicated: {definition['AttributeName']}"
            )
        seen.add(definition["AttributeName"])
    used = {k["AttributeName"] for k in key_schema}
    for index in [*(local_indexes or []), *(global_indexes or [])]:
        used |= {k["AttributeName"] for k in index["KeySchema"]}
    defined = sorted(seen)
    expected = sorted(used)
    if defined == expected:
        return
    has_indexes = local_indexes is not None or global_indexes is not None
    if len(defined) > len(expected):
        if has_indexes:
            raise invalid_parameters(
                f"Some AttributeDefinitions are not used. AttributeDefinitions: {_list(defined)}, "
                f"keys used: {_list(expected)}"
            )
        raise invalid_parameters(
            "Number of attributes in KeySchema does not exactly match number of attributes "
            "defined in AttributeDefinitions"
        )
    if len(defined) < len(expected) and not has_indexes:
        raise ValidationException("Invalid KeySchema: Some index key attribute have no definition")
    missing = sorted(set(expected) - set(defined)) if len(defined) < len(expected) else expected
    raise invalid_parameters(
        "Some index key attributes are not defined in AttributeDefinitions. "
        f"Keys: {_list(missing)}, AttributeDefinitions: {_list(defined)}"
    )


def local_indexes(
    indexes: Sequence[Mapping[str, Any]], table: KeySchema, definitions: Definitions
) -> list[IndexMeta]:
    if not indexes:
        raise invalid_parameters("List of LocalSecondaryIndexes is empty")
    if table.range is None:
        raise invalid_parameters(
            "Table KeySchema does not have a range key, which is required when specifying a "
            "LocalSecondaryIndex"
        )
    built = []
    for index in indexes:
        name = index["IndexName"]
        schema = _schema(index["KeySchema"], definitions)
        if schema.range is None:
            raise invalid_parameters(f"Index KeySchema does not have a range key for index: {name}")
        if schema.hash.name != table.hash.name:
            raise invalid_parameters(
                "Index KeySchema does not have the same leading hash key as table KeySchema for "
                f"index: {name}. index hash key: {schema.hash.name}, table hash key: "
                f"{table.hash.name}"
            )
        built.append(_index(index, "LSI", schema, None))
    if len(built) > MAX_LOCAL_INDEXES:
        raise invalid_parameters(
            f"Number of LocalSecondaryIndexes exceeds per-table limit of {MAX_LOCAL_INDEXES}"
        )
    return built


def global_index(
    index: Mapping[str, Any], definitions: Definitions, billing_mode: str, *, creating: bool
) -> IndexMeta:
    """One GSI of CreateTable (``creating``) or of an UpdateTable ``Create`` action."""
    name = index["IndexName"]
    schema = _schema(index["KeySchema"], definitions)
    throughput = index.get("ProvisionedThroughput")
    if billing_mode == "PAY_PER_REQUEST" and throughput is not None:
        raise invalid_parameters(
            f"ProvisionedThroughput should not be specified for index: {name} when BillingMode "
            "is PAY_PER_REQUEST"
        )
    if billing_mode == "PROVISIONED" and throughput is None:
        message = "is not specified" if creating else "must be specified"
        raise invalid_parameters(f"ProvisionedThroughput {message} for index: {name}")
    if throughput is not None:
        check_capacity(throughput)
    provisioned = (
        Throughput(throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"])
        if throughput is not None
        else None
    )
    return _index(index, "GSI", schema, provisioned)


def check_index_names(indexes: Sequence[IndexMeta]) -> None:
    seen: set[str] = set()
    for index in indexes:
        if index.name in seen:
            raise invalid_parameters(f"Duplicate index name: {index.name}")
        seen.add(index.name)
    if sum(1 for i in indexes if i.kind == "GSI") > MAX_GLOBAL_INDEXES:
        raise invalid_parameters(
            f"GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GLOBAL_INDEXES}"
        )


def _index(
    index: Mapping[str, Any], kind: str, schema: KeySchema, throughput: Throughput | None
) -> IndexMeta:
    projection = index["Projection"]
    projection_type = projection.get("ProjectionType")
    non_key = projection.get("NonKeyAttributes")
    if projection_type is None:
        raise invalid_parameters("Unknown ProjectionType: null")
    if projection_type == "INCLUDE" and not non_key:
        raise invalid_parameters("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
    if projection_type != "INCLUDE" and non_key is not None:
        raise invalid_parameters(
            f"ProjectionType is {projection_type}, but NonKeyAttributes is specified"
        )
    seen: set[str] = set()
    for attribute in non_key or []:
        if attribute in seen:
            raise invalid_parameters(f"Duplicate element in NonKeyAttributes: {attribute}")
        seen.add(attribute)
    return IndexMeta(
        name=index["IndexName"],
        kind=kind,
        schema=schema,
        projection_type=projection_type,
        non_key_attributes=list(non_key or []),
        throughput=throughput,
        on_demand=dict(index["OnDemandThroughput"]) if index.get("OnDemandThroughput") else None,
    )


def _schema(key_schema: Sequence[Mapping[str, str]], definitions: Definitions) -> KeySchema:
    names = [k["AttributeName"] for k in key_schema]
    types = {d["AttributeName"]: d["AttributeType"] for d in definitions}
    if len(key_schema) > 2:
        raise ValidationException(
            "lakehose does not support multi-attribute keys (more than one HASH or RANGE "
            "attribute) for secondary indexes"
        )
    if len(names) == 2 and names[0] == names[1]:
        raise ValidationException(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name"
        )
    if key_schema[0]["KeyType"] != "HASH":
        raise ValidationException(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
        )
    if len(key_schema) == 2 and key_schema[1]["KeyType"] != "RANGE":
        raise ValidationException(
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
        )
    missing = [name for name in names if name not in types]
    if missing:
        raise invalid_parameters(
            "Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: {_list(names)}, AttributeDefinitions: {_list(list(types))}"
        )
    attributes = [KeyAttribute(name, types[name]) for name in names]
    return KeySchema(attributes[0], attributes[1] if len(attributes) == 2 else None)


def _list(names: Sequence[str]) -> str:
    return "[" + ", ".join(names) + "]"
