"""What a resource handler is, and what it is given.

A handler deploys one CloudFormation resource type by calling AWS APIs through boto3 clients, so
the same handler works on an embedded runtime (``Lakehose.client``), against ``lakehose up``
(``boto3.client(..., endpoint_url=...)``) and, in principle, against AWS itself.

Contract, for a subclass:

``create(props, ctx) -> (physical_id, attributes)``
    Create the resource from its resolved ``props`` (CloudFormation property names) and return
    its physical id (what ``Ref`` returns) and the attributes ``Fn::GetAtt`` may ask for. Wait
    until the resource is usable, as CloudFormation does before creating dependents.
``update(old, new, physical_id, ctx) -> attributes | REPLACE``
    Change the resource in place, or answer ``REPLACE`` when the change needs a new resource.
    Called only when ``old != new`` and no property in ``replacement`` changed.
``delete(physical_id, props, ctx)``
    Delete it. An error whose code is in ``missing`` means it is already gone: that is success.
``planned_id(props, ctx)``
    The physical id ``create`` will return, known before it is called (the default: the
    template's name, else the name generated from ``ctx.token``), or ``""`` when the service
    assigns it. The deployer records it, with the token, before calling ``create``.
``undo_create(physical_id, props, ctx)``
    Remove whatever a ``create`` with ``ctx.token`` may have made before it was interrupted
    (killed, or failed part-way): by default, delete ``planned_id``. Idempotent: it may run
    again after being interrupted itself, and must succeed when nothing was made.

Generated names are deterministic given the resource's token (``Context.physical_name``), and a
service that assigns its own ids is given an idempotency token derived from it
(``Context.request_token``): that is how a deploy killed at any point is found and undone.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from lakehose.deploy.assembly import Assets
from lakehose.deploy.errors import DeployError
from lakehose.ids import IdGenerator

# A boto3 client. Typed ``Any``: their methods are generated at run time, and botocore's stubs
# declare none of them on ``BaseClient``.
Client = Any
ClientFactory = Callable[[str], Client]
Attributes = dict[str, Any]


class _Replace:
    def __repr__(self) -> str:
        return "REPLACE"


REPLACE: Final = _Replace()
UpdateResult = Attributes | _Replace

# Polling a resource until it is usable: first delay, growth, cap, and how long in total.
_FIRST_DELAY = 0.02
_MAX_DELAY = 1.0
_WAIT_LIMIT_SECONDS = 600.0


@dataclass
class Context:
    """What a handler may use: clients, names, the stack's identity and the assembly's assets."""

    clients: ClientFactory
    stack_name: str
    logical_id: str
    account_id: str
    region: str
    ids: IdGenerator
    assets: Assets = field(default_factory=Assets)
    sleep: Callable[[float], None] = time.sleep
    partition: str = "aws"
    # The resource's creation token (random, recorded before the create): the suffix of its
    # generated names and the seed of its idempotency tokens. Empty outside a create.
    token: str = ""

    def client(self, service: str) -> Client:
        return self.clients(service)

    def physical_name(self, max_length: int, *, lowercase: bool = False) -> str:
        """CloudFormation's generated name: ``<stack>-<logicalId>-<TOKEN>``, trimmed to fit."""
        suffix = self._token()
        budget = max_length - len(suffix) - 2
        stack = self.stack_name[: max(budget - len(self.logical_id), budget // 2)]
        logical = self.logical_id[: max(budget - len(stack), 0)]
        name = f"{stack}-{logical}-{suffix}"
        return name.lower() if lowercase else name

    def request_token(self) -> str:
        """An idempotency token (a UUID) for the one create this resource's token stands for."""
        seed = f"{self.stack_name}/{self.logical_id}/{self._token()}"
        return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))

    def _token(self) -> str:
        if not self.token:
            raise DeployError(f"{self.logical_id}: names are generated only while creating")
        return self.token

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )

    def wait_for(
        self,
        what: str,
        probe: Callable[[], str],
        ready: Collection[str],
        failed: Collection[str] = (),
    ) -> None:
        """Poll ``probe`` until it answers a ``ready`` state; a ``failed`` one is an error."""
        delay, waited = _FIRST_DELAY, 0.0
        while True:
            state = probe()
            if state in ready:
                return
            if state in failed or waited >= _WAIT_LIMIT_SECONDS:
                raise DeployError(f"{what} is {state}, not {'/'.join(ready)}")
            self.sleep(delay)
            waited += delay
            delay = min(delay * 2, _MAX_DELAY)


class ResourceHandler:
    """Deploys one resource type; see the module docstring for the contract."""

    type: ClassVar[str]
    # Top-level properties the handler understands; any other fails before anything is created.
    # ``None``: any property (types that are only recorded).
    properties: ClassVar[frozenset[str] | None] = frozenset()
    # Properties accepted and recorded but not enforced (encryption at rest): shown as a note.
    ignored: ClassVar[frozenset[str]] = frozenset()
    # Properties whose change needs a new resource (CloudFormation's "Replacement").
    replacement: ClassVar[frozenset[str]] = frozenset()
    # Error codes a delete may answer for a resource that is already gone.
    missing: ClassVar[tuple[str, ...]] = ()
    # False for types lakehose records but does not enforce (IAM, log groups, metadata).
    enforced: ClassVar[bool] = True
    note: ClassVar[str] = ""
    # The longest name CloudFormation generates for the type, and whether it is lowercase.
    name_length: ClassVar[int] = 128
    lowercase_names: ClassVar[bool] = False

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        raise NotImplementedError

    def update(
        self,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        physical_id: str,
        ctx: Context,
    ) -> UpdateResult:
        return REPLACE

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        raise NotImplementedError

    def needs_replacement(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return any(old.get(name) != new.get(name) for name in self.replacement)

    def name_property(self, props: Mapping[str, Any]) -> str | None:
        """The explicit physical name the template gives, if any (custom-named resources)."""
        return None

    def physical_name(self, props: Mapping[str, Any], ctx: Context) -> str:
        """The resource's name: the template's, else the one generated from ``ctx.token``."""
        return self.name_property(props) or ctx.physical_name(
            self.name_length, lowercase=self.lowercase_names
        )

    def planned_id(self, props: Mapping[str, Any], ctx: Context) -> str:
        return self.physical_name(props, ctx)

    def undo_create(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        # No id: recorded by a lakehose from before ids were planned; nothing can be found.
        if physical_id:
            self.delete(physical_id, props, ctx)


def changed(old: Mapping[str, Any], new: Mapping[str, Any], *names: str) -> bool:
    return any(old.get(name) != new.get(name) for name in names)


def removed_tag_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The keys of ``old``'s ``Tags`` that ``new``'s no longer has (to untag)."""
    kept = {tag["Key"] for tag in new.get("Tags") or []}
    return [tag["Key"] for tag in old.get("Tags") or [] if tag["Key"] not in kept]


def tag_list_to_map(tags: Any) -> dict[str, str]:
    """CloudFormation's ``[{Key, Value}]`` tags as the ``{key: value}`` some APIs take."""
    return {str(tag["Key"]): str(tag["Value"]) for tag in tags or []}
