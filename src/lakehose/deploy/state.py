"""What is deployed: stacks, their resources and outputs, kept as JSON objects in the local S3.

Each stack is one object, ``s3://lakehose-deployments/stacks/<StackName>.json``. The state lives
in the S3 *service* rather than a file of its own so that it is wherever the resources are: an
embedded runtime and a ``lakehose up`` server on the same home read and write the same objects,
through the same API, and a deploy through the server needs no endpoint beyond AWS's own.

Writes are conditional (``If-Match`` on the ETag read, ``If-None-Match: *`` for a new stack), so
two deploys of one stack at once cannot silently overwrite each other: the second to write fails
with ``StackConflict``.

What a killed deploy leaves must be findable, so the state is written ahead of every change:

1. Before a resource is created, it is recorded ``CREATE_IN_PROGRESS`` with its creation
   ``token`` and the physical id the create will give it (names generated from the token; an id
   the service assigns is found again through an idempotency token derived from it).
2. Before a replacement is created, the resource it replaces moves to ``replaced``, which keeps
   it until it is deleted.
3. A resource is marked complete, deleted or restored, and the state saved, after each step.

A later deploy or destroy removes every ``CREATE_IN_PROGRESS`` resource it finds (whatever its
deletion policy: nothing depends on a resource before it completes) and deletes what
``replaced`` holds, so a deploy killed at any instant, then run again, converges to exactly one
of each resource.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from lakehose.deploy.errors import StackConflict, error_code
from lakehose.errors import StorageError

STATE_BUCKET = "lakehose-deployments"
_PREFIX = "stacks/"
FORMAT_VERSION = 2
# Versions this lakehose reads: 1 had no creation tokens and no ``replaced`` list.
_READABLE = (1, 2)


@dataclass
class ResourceState:
    """One deployed resource: what the template said (resolved) and what exists."""

    logical_id: str
    type: str
    physical_id: str
    status: str
    properties: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    # False for resources lakehose records without enforcing (IAM, log groups, metadata).
    enforced: bool = True
    note: str = ""
    deletion_policy: str = "Delete"
    update_replace_policy: str = "Delete"
    depends_on: list[str] = field(default_factory=list)
    # The creation token (see the module docstring); empty in states from before tokens.
    token: str = ""


@dataclass(frozen=True)
class Output:
    key: str
    value: str
    description: str = ""
    export_name: str = ""


@dataclass
class StackState:
    name: str
    stack_id: str
    status: str
    created: str
    updated: str = ""
    reason: str = ""
    template_digest: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    resources: dict[str, ResourceState] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)
    # Export names this stack imports (Fn::ImportValue), so their owners can refuse to drop them.
    imports: list[str] = field(default_factory=list)
    # Resources replaced by newer ones, kept here until they are deleted.
    replaced: list[ResourceState] = field(default_factory=list)

    @property
    def exports(self) -> dict[str, str]:
        return {o.export_name: o.value for o in self.outputs if o.export_name}

    def to_json(self) -> bytes:
        document = {"FormatVersion": FORMAT_VERSION, **asdict(self)}
        return json.dumps(document, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> StackState:
        document = json.loads(data)
        version = document.pop("FormatVersion", None)
        if version not in _READABLE:
            raise StorageError(
                f"stack state format {version} is not one this lakehose knows "
                f"({', '.join(map(str, _READABLE))}); upgrade lakehose"
            )
        document["resources"] = {
            logical_id: ResourceState(**resource)
            for logical_id, resource in document["resources"].items()
        }
        document["replaced"] = [ResourceState(**entry) for entry in document.get("replaced", [])]
        document["outputs"] = [Output(**output) for output in document["outputs"]]
        return cls(**document)


def half_made(entry: ResourceState) -> bool:
    """Whether ``entry``'s create never finished (interrupted, or failed part-way)."""
    return entry.status in ("CREATE_IN_PROGRESS", "CREATE_FAILED")


class StackStore:
    """Stack states in the reserved bucket, read and written through an S3 client."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3
        # The ETag each stack had when read (None: known absent), for conditional writes.
        self._etags: dict[str, str | None] = {}

    def load(self, name: str) -> StackState | None:
        try:
            answer = self._s3.get_object(Bucket=STATE_BUCKET, Key=_key(name))
        except Exception as error:
            if error_code(error) not in ("NoSuchKey", "NoSuchBucket"):
                raise
            self._etags[name] = None
            return None
        self._etags[name] = answer["ETag"]
        data = answer["Body"].read()
        try:
            return StackState.from_json(data)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            # Never treated as absent: a deploy would then make every resource a second time.
            raise StorageError(
                f"the state of stack {name} (s3://{STATE_BUCKET}/{_key(name)}) is corrupt "
                f"({type(error).__name__}: {error}); it was left as it is"
            ) from None

    def save(self, state: StackState) -> None:
        conditions: dict[str, str] = {}
        if state.name in self._etags:
            etag = self._etags[state.name]
            conditions = {"IfNoneMatch": "*"} if etag is None else {"IfMatch": etag}
        try:
            answer = self._put(state, conditions)
        except Exception as error:
            if error_code(error) != "NoSuchBucket":
                self._conflict(error, state.name)
                raise
            self._create_bucket()
            answer = self._put(state, conditions)
        self._etags[state.name] = answer["ETag"]

    def delete(self, name: str) -> None:
        self._s3.delete_object(Bucket=STATE_BUCKET, Key=_key(name))
        self._etags[name] = None

    def names(self) -> list[str]:
        try:
            pages = self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=STATE_BUCKET, Prefix=_PREFIX
            )
            keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        except Exception as error:
            if error_code(error) == "NoSuchBucket":
                return []
            raise
        return sorted(key[len(_PREFIX) : -len(".json")] for key in keys if key.endswith(".json"))

    def all(self) -> list[StackState]:
        return [state for name in self.names() if (state := self.load(name)) is not None]

    def _put(self, state: StackState, conditions: dict[str, str]) -> dict[str, Any]:
        answer: dict[str, Any] = self._s3.put_object(
            Bucket=STATE_BUCKET,
            Key=_key(state.name),
            Body=state.to_json(),
            ContentType="application/json",
            **conditions,
        )
        return answer

    def _create_bucket(self) -> None:
        try:
            self._s3.create_bucket(Bucket=STATE_BUCKET)
        except Exception as error:
            if error_code(error) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    @staticmethod
    def _conflict(error: Exception, name: str) -> None:
        if error_code(error) in ("PreconditionFailed", "ConditionalRequestConflict"):
            raise StackConflict(
                f"stack {name} was changed by another deploy or destroy while this one ran; "
                "run it again"
            ) from error


def _key(name: str) -> str:
    return f"{_PREFIX}{name}.json"
