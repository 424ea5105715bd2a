"""AWS::Lambda::Function, ::Permission, ::Version, ::Alias and ::EventSourceMapping.

A version is immutable: any change of its properties publishes a new one (CloudFormation's
replacement), and its ``Ref`` is the version's ARN. An alias's ``Ref`` is its ARN; it is updated
in place except for a new name or function. An event source mapping's ``Ref`` is its UUID; a
new source or starting position replaces it.

Code comes from, in order: the cloud assembly's asset for ``Code.S3Bucket`` / ``S3Key`` (the
bucket and key ``cdk deploy`` would have uploaded it to), sent as ``ZipFile`` so the function is
created the same way embedded and through a server; inline ``ZipFile`` source, packaged as
CloudFormation does (``index.py`` or ``index.js``); or the named object in the local S3.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import Any

from lakehose.deploy.resources.base import (
    Attributes,
    Context,
    ResourceHandler,
    changed,
    removed_tag_keys,
    tag_list_to_map,
)
from lakehose.deploy.resources.shapes import api_arguments

_CONFIGURATION = (
    "Runtime", "Role", "Handler", "Timeout", "MemorySize", "Environment", "Description", "Layers",
)  # fmt: skip
# Defaults CloudFormation applies, so that removing a property from the template resets it.
_RESET = {"Timeout": 3, "MemorySize": 128, "Description": "", "Environment": {"Variables": {}}}


class LambdaFunction(ResourceHandler):
    type = "AWS::Lambda::Function"
    ignored = frozenset(
        {"LoggingConfig", "TracingConfig", "EphemeralStorage", "KmsKeyArn", "VpcConfig",
         "RuntimeManagementConfig", "SnapStart", "CodeSigningConfigArn"}
    )  # fmt: skip
    properties = frozenset(
        {*_CONFIGURATION, "Code", "FunctionName", "Architectures", "Tags", "PackageType",
         "ReservedConcurrentExecutions", *ignored}
    )  # fmt: skip
    replacement = frozenset({"FunctionName", "PackageType"})
    missing = ("ResourceNotFoundException",)
    name_length = 64

    def name_property(self, props: Mapping[str, Any]) -> str | None:
        return props.get("FunctionName")

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        name = self.physical_name(props, ctx)
        chosen = {key: props[key] for key in (*_CONFIGURATION, "Architectures") if key in props}
        arguments = api_arguments(ctx.client("lambda"), "CreateFunction", chosen)
        if props.get("Tags"):
            arguments["Tags"] = tag_list_to_map(props["Tags"])
        awslambda = ctx.client("lambda")
        answer = awslambda.create_function(
            FunctionName=name, Code=_code(props["Code"], props.get("Runtime", ""), ctx), **arguments
        )
        _wait(name, "State", ctx)
        if "ReservedConcurrentExecutions" in props:
            awslambda.put_function_concurrency(
                FunctionName=name,
                ReservedConcurrentExecutions=int(props["ReservedConcurrentExecutions"]),
            )
        return name, {"Arn": answer["FunctionArn"]}

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> Attributes:
        awslambda = ctx.client("lambda")
        if changed(old, new, "Code", "Architectures"):
            code = _code(new["Code"], new.get("Runtime", ""), ctx)
            extra = {"Architectures": new["Architectures"]} if "Architectures" in new else {}
            awslambda.update_function_code(FunctionName=physical_id, **code, **extra)
            _wait(physical_id, "LastUpdateStatus", ctx)
        settings = {
            key: new.get(key, _RESET.get(key))
            for key in _CONFIGURATION
            if changed(old, new, key) and (key in new or key in _RESET)
        }
        if settings:
            arguments = api_arguments(ctx.client("lambda"), "UpdateFunctionConfiguration", settings)
            awslambda.update_function_configuration(FunctionName=physical_id, **arguments)
            _wait(physical_id, "LastUpdateStatus", ctx)
        if changed(old, new, "ReservedConcurrentExecutions"):
            if "ReservedConcurrentExecutions" in new:
                awslambda.put_function_concurrency(
                    FunctionName=physical_id,
                    ReservedConcurrentExecutions=int(new["ReservedConcurrentExecutions"]),
                )
            else:
                awslambda.delete_function_concurrency(FunctionName=physical_id)
        arn = awslambda.get_function_configuration(FunctionName=physical_id)["FunctionArn"]
        if changed(old, new, "Tags"):
            if removed := removed_tag_keys(old, new):
                awslambda.untag_resource(Resource=arn, TagKeys=removed)
            if new.get("Tags"):
                awslambda.tag_resource(Resource=arn, Tags=tag_list_to_map(new["Tags"]))
        return {"Arn": arn}

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("lambda").delete_function(FunctionName=physical_id)


class LambdaPermission(ResourceHandler):
    type = "AWS::Lambda::Permission"
    properties = frozenset(
        {"Action", "FunctionName", "Principal", "SourceArn", "SourceAccount", "EventSourceToken",
         "FunctionUrlAuthType", "PrincipalOrgID"}
    )  # fmt: skip
    # Every property of a permission needs a new statement.
    replacement = properties
    missing = ("ResourceNotFoundException",)
    # The statement id.
    name_length = 100

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        statement = self.physical_name(props, ctx)
        arguments = api_arguments(ctx.client("lambda"), "AddPermission", props)
        ctx.client("lambda").add_permission(StatementId=statement, **arguments)
        return statement, {}

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("lambda").remove_permission(
            FunctionName=props["FunctionName"], StatementId=physical_id
        )


class LambdaVersion(ResourceHandler):
    type = "AWS::Lambda::Version"
    ignored = frozenset({"ProvisionedConcurrencyConfig", "RuntimePolicy"})
    properties = frozenset({"FunctionName", "Description", "CodeSha256", *ignored})
    replacement = frozenset({"FunctionName", "Description", "CodeSha256"})
    missing = ("ResourceNotFoundException",)

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        chosen = {key: value for key, value in props.items() if key not in self.ignored}
        arguments = api_arguments(ctx.client("lambda"), "PublishVersion", chosen)
        answer = ctx.client("lambda").publish_version(**arguments)
        return answer["FunctionArn"], {
            "FunctionArn": answer["FunctionArn"],
            "Version": answer["Version"],
        }

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("lambda").delete_function(FunctionName=physical_id)


class LambdaAlias(ResourceHandler):
    type = "AWS::Lambda::Alias"
    ignored = frozenset({"ProvisionedConcurrencyConfig"})
    properties = frozenset(
        {"FunctionName", "FunctionVersion", "Name", "Description", "RoutingConfig", *ignored}
    )
    replacement = frozenset({"FunctionName", "Name"})
    missing = ("ResourceNotFoundException",)

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        chosen = {key: value for key, value in props.items() if key not in self.ignored}
        if "RoutingConfig" in chosen:
            chosen["RoutingConfig"] = _routing(chosen["RoutingConfig"])
        arguments = api_arguments(ctx.client("lambda"), "CreateAlias", chosen)
        answer = ctx.client("lambda").create_alias(**arguments)
        return answer["AliasArn"], {"AliasArn": answer["AliasArn"]}

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> Attributes:
        settings = {
            "FunctionVersion": new["FunctionVersion"],
            "Description": new.get("Description", ""),
            "RoutingConfig": _routing(new.get("RoutingConfig", {})),
        }
        arguments = api_arguments(ctx.client("lambda"), "UpdateAlias", settings)
        answer = ctx.client("lambda").update_alias(
            FunctionName=new["FunctionName"], Name=new["Name"], **arguments
        )
        return {"AliasArn": answer["AliasArn"]}

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("lambda").delete_alias(FunctionName=props["FunctionName"], Name=props["Name"])


class LambdaEventSourceMapping(ResourceHandler):
    type = "AWS::Lambda::EventSourceMapping"
    _UPDATABLE = frozenset(
        {"FunctionName", "Enabled", "BatchSize", "FilterCriteria", "DestinationConfig",
         "MaximumBatchingWindowInSeconds", "MaximumRecordAgeInSeconds",
         "BisectBatchOnFunctionError", "MaximumRetryAttempts", "FunctionResponseTypes"}
    )  # fmt: skip
    replacement = frozenset({"EventSourceArn", "StartingPosition", "StartingPositionTimestamp"})
    properties = frozenset(
        {*_UPDATABLE, *replacement, "ParallelizationFactor", "TumblingWindowInSeconds", "Tags"}
    )
    missing = ("ResourceNotFoundException",)

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        chosen = {key: value for key, value in props.items() if key != "Tags"}
        arguments = api_arguments(ctx.client("lambda"), "CreateEventSourceMapping", chosen)
        if props.get("Tags"):
            arguments["Tags"] = tag_list_to_map(props["Tags"])
        answer = ctx.client("lambda").create_event_source_mapping(**arguments)
        return answer["UUID"], {
            "Id": answer["UUID"],
            "EventSourceMappingArn": answer["EventSourceMappingArn"],
        }

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> Attributes:
        chosen = {key: new[key] for key in self._UPDATABLE if key in new and changed(old, new, key)}
        awslambda = ctx.client("lambda")
        arguments = api_arguments(awslambda, "UpdateEventSourceMapping", chosen)
        answer = awslambda.update_event_source_mapping(UUID=physical_id, **arguments)
        return {"Id": physical_id, "EventSourceMappingArn": answer["EventSourceMappingArn"]}

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("lambda").delete_event_source_mapping(UUID=physical_id)


def _routing(config: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's ``[{FunctionVersion, FunctionWeight}]`` as the API's weights map."""
    weights = config.get("AdditionalVersionWeights") or []
    return {
        "AdditionalVersionWeights": {
            str(entry["FunctionVersion"]): float(entry["FunctionWeight"]) for entry in weights
        }
    }


def _code(code: Mapping[str, Any], runtime: str, ctx: Context) -> dict[str, Any]:
    """The API's ``Code`` members for a CloudFormation ``Code`` property."""
    if "ZipFile" in code:
        return {"ZipFile": _inline_package(str(code["ZipFile"]), runtime)}
    bucket, key = code.get("S3Bucket"), code.get("S3Key")
    if bucket and key and (asset := ctx.assets.lookup(str(bucket), str(key))) is not None:
        return {"ZipFile": asset.read()}
    return {k: v for k, v in code.items() if k in ("S3Bucket", "S3Key", "S3ObjectVersion")}


def _inline_package(source: str, runtime: str) -> bytes:
    name = "index.js" if runtime.startswith("nodejs") else "index.py"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        archive.writestr(info, source)
    return buffer.getvalue()


def _wait(name: str, field: str, ctx: Context) -> None:
    awslambda = ctx.client("lambda")
    ctx.wait_for(
        f"Lambda function {name}",
        lambda: str(
            awslambda.get_function_configuration(FunctionName=name).get(field, "Successful")
        ),
        ready={"Active", "Successful"},
        failed={"Failed"},
    )
