"""The AWS services lakehose serves, described by botocore's own service models.

The models are the single source of truth for operation names, input and output shapes,
constraints and error shapes; the gateway never hard-codes a shape.

A service is served in every wire protocol released SDKs speak or spoke for it, whichever
botocore is installed: AWS moves services between protocols (Athena went from awsJson 1.1 to
rest-json in botocore 1.44.18) and keeps answering the old one, so users' older and newer SDKs
meet one server. The shapes are the installed model's; what a protocol needs beyond shapes (a
target prefix, the HTTP bindings of each operation) comes from the installed model when it speaks
that protocol and otherwise from ``bindings.json``, recorded from the botocore generation that
did (``scripts/protocol_bindings.py``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache, cached_property
from importlib import resources
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel

from lakehose.scopes import SERVICES

# Kinesis over CBOR: awsJson 1.1's target header and shapes with CBOR bodies
# (``application/x-amz-cbor-1.1``), what the Java SDK and the KCL send unless told not to.
CBOR = "cbor"
RPC_V2_CBOR = "smithy-rpc-v2-cbor"

# Protocols AWS serves for a service besides those the installed model lists.
_SERVED_SINCE_RELEASE: dict[str, tuple[str, ...]] = {
    "athena": ("json", "rest-json"),
    "kinesis": ("json", CBOR),
}
# Protocols whose shapes travel in the body alone, so they share one model variant.
_SAME_MODEL_AS = {CBOR: "json"}
_RPC_PROTOCOLS = ("json", CBOR, "query", RPC_V2_CBOR)


class ServiceCatalog:
    """Loads the service models once and answers "which service is this?" questions."""

    def __init__(
        self,
        services: Iterable[str] = SERVICES,
        models: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        """``models`` replaces installed models by name (tests: a model listing a new protocol)."""
        session = botocore.session.get_session()
        loader = session.get_component("data_loader")
        self.models: dict[str, ServiceModel] = {}
        self.variants: dict[str, _Variants] = {}
        for name in services:
            raw: dict[str, Any] = (models or {}).get(name) or loader.load_service_model(
                name, "service-2"
            )
            model = ServiceModel(raw, service_name=name)
            self.models[name] = model
            self.variants[name] = _Variants(name, raw, model)

    def model(self, service: str, protocol: str | None = None) -> ServiceModel:
        """The installed model, or the variant a protocol reads its bindings from."""
        if protocol is None:
            return self.models[service]
        return self.variants[service][protocol]

    def protocols(self, service: str) -> tuple[str, ...]:
        """Every wire protocol the service is served in."""
        return tuple(self.variants[service])

    def serves(self, service: str, protocol: str) -> bool:
        return protocol in self.variants[service]

    @cached_property
    def by_target_prefix(self) -> dict[str, str]:
        """``X-Amz-Target`` prefix (``Kinesis_20131202``) to service name, over all variants."""
        found: dict[str, str] = {}
        for name, variants in self.variants.items():
            for protocol in variants:
                metadata = variants.metadata(protocol)
                if "targetPrefix" in metadata:
                    found[str(metadata["targetPrefix"])] = name
        return found

    @cached_property
    def by_signing_name(self) -> dict[str, str]:
        """SigV4 credential-scope service (``kinesis``, ``s3``) to service name."""
        # DynamoDB Streams signs as "dynamodb": a scope names the first service that signs so
        # (DynamoDB); Streams' requests are told apart by their X-Amz-Target.
        found: dict[str, str] = {}
        for name, model in self.models.items():
            found.setdefault(model.signing_name or name, name)
        return found

    def operation(
        self, service: str, name: str, protocol: str | None = None
    ) -> OperationModel | None:
        model = self.model(service, protocol)
        if name not in model.operation_names:
            return None
        return model.operation_model(name)

    def model_versions(self) -> dict[str, str]:
        """API version of each served model, as ``lakehose --version`` reports them."""
        return {name: str(model.api_version) for name, model in self.models.items()}


def is_rpc(protocol: str) -> bool:
    """Whether the operation is named in the request (target, action, path), not routed by URI."""
    return protocol in _RPC_PROTOCOLS


class _Variants(Mapping[str, ServiceModel]):
    """One service's model for each protocol it is served in.

    A variant rebound to bindings the installed model lacks is a deep copy of the whole model,
    about a tenth of a second for Athena; it is built when a request first speaks that protocol,
    not when the server starts. Two threads may both build it; either result is the same.
    """

    def __init__(self, name: str, raw: dict[str, Any], model: ServiceModel) -> None:
        self._name = name
        self._raw = raw
        listed = [str(p) for p in model.metadata.get("protocols") or [model.protocol]]
        wanted = list(dict.fromkeys([*listed, *_SERVED_SINCE_RELEASE.get(name, ())]))
        self._protocols = tuple(sorted(wanted, key=lambda p: p in _SAME_MODEL_AS))
        self._built: dict[str, ServiceModel] = {p: model for p in listed}

    def __getitem__(self, protocol: str) -> ServiceModel:
        built = self._built.get(protocol)
        if built is not None:
            return built
        if protocol not in self._protocols:
            raise KeyError(protocol)
        source = _SAME_MODEL_AS.get(protocol)
        built = self[source] if source else _rebound(self._name, self._raw, protocol)
        self._built[protocol] = built
        return built

    def __iter__(self) -> Iterator[str]:
        return iter(self._protocols)

    def __len__(self) -> int:
        return len(self._protocols)

    def metadata(self, protocol: str) -> Mapping[str, Any]:
        """The variant's metadata, without building a variant for it."""
        built = self._built.get(protocol)
        if built is not None:
            return built.metadata
        source = _SAME_MODEL_AS.get(protocol)
        if source:
            return self.metadata(source)
        return _rebound_metadata(self._name, self._raw, protocol)


def _rebound(name: str, raw: dict[str, Any], protocol: str) -> ServiceModel:
    """The installed model's shapes with ``protocol``'s bindings in place of its own."""
    recorded = _recorded(name, protocol)
    data = copy.deepcopy(raw)
    data["metadata"] = _rebound_metadata(name, raw, protocol)
    if protocol == "json":
        for operation in data["operations"].values():
            operation["http"] = {"method": "POST", "requestUri": "/"}
        # awsJson carries every member in the body under its own name.
        for shape in data["shapes"].values():
            for member in shape.get("members", {}).values():
                if member.pop("location", None) is not None:
                    member.pop("locationName", None)
        return ServiceModel(data, service_name=name)
    for operation_name, http in recorded.get("http", {}).items():
        if operation_name in data["operations"]:
            data["operations"][operation_name]["http"] = http
    for shape_name, members in recorded.get("members", {}).items():
        shape = data["shapes"].get(shape_name)
        for member_name, binding in members.items():
            if shape is not None and member_name in shape.get("members", {}):
                shape["members"][member_name].update(binding)
    return ServiceModel(data, service_name=name)


def _recorded(name: str, protocol: str) -> Mapping[str, Any]:
    recorded: Mapping[str, Any] | None = _bindings().get(name, {}).get(protocol)
    if recorded is None:
        raise LookupError(f"no {protocol} bindings recorded for {name}")
    return recorded


def _rebound_metadata(name: str, raw: dict[str, Any], protocol: str) -> dict[str, Any]:
    return {
        **raw["metadata"],
        "protocol": protocol,
        "protocols": [protocol],
        **_recorded(name, protocol).get("metadata", {}),
    }


@cache
def _bindings() -> Mapping[str, Mapping[str, Any]]:
    text = resources.files("lakehose.gateway").joinpath("bindings.json").read_text("utf-8")
    loaded: Mapping[str, Mapping[str, Any]] = json.loads(text)
    return loaded


@cache
def default_catalog() -> ServiceCatalog:
    """The catalog of the served services, loaded once per process (about a second of parsing)."""
    return ServiceCatalog()
