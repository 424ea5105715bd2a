"""Deploying and destroying stacks: the order of operations, updates in place, rollback.

A deploy, in CloudFormation's order:

1. Plan (``plan.make_plan``): parameters, rules, conditions, handlers, dependency order. Nothing
   has been touched if this fails.
2. Walk the resources in order. A new resource is recorded ``CREATE_IN_PROGRESS`` and created;
   an unchanged one (same resolved properties) is left alone, data and all; a changed one is
   updated in place where its handler can, otherwise replaced: the new one is created now and
   the old one deleted in step 4. The stack state is saved after every step.
3. Evaluate the outputs and check exports (unique, and not changed while imported elsewhere).
4. Clean up: delete replaced resources (unless ``UpdateReplacePolicy`` keeps them) and resources
   the template no longer has (unless ``DeletionPolicy`` keeps them). A failure here is reported
   and does not undo the deploy, as in CloudFormation.

A failure in step 2 or 3 rolls back: in reverse order, resources this deploy created are deleted
(``Retain`` keeps them, as CloudFormation does; ``RetainExceptOnCreate`` does not) and updated
ones are updated back to their previous properties; the previous stack state is restored. A first
deploy that rolls back leaves no stack behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from lakehose.clock import Clock, SystemClock
from lakehose.deploy.assembly import Assets, StackArtifact
from lakehose.deploy.errors import (
    DeployError,
    ResourceFailed,
    StackConflict,
    StackNotFound,
    TemplateError,
    describe,
    error_code,
)
from lakehose.deploy.events import Listener, ResourceEvent
from lakehose.deploy.graph import deletion_order
from lakehose.deploy.plan import KEEP, Identity, make_plan
from lakehose.deploy.resources import HANDLERS, PROVIDER, Context, ResourceHandler
from lakehose.deploy.resources.base import Client, ClientFactory
from lakehose.deploy.run import Deployment, importers_of
from lakehose.deploy.state import ResourceState, StackState, StackStore, half_made
from lakehose.deploy.template import Template
from lakehose.ids import IdGenerator

_STACK_NAME_LIMIT = 128


class Deployer:
    """Deploys templates as stacks through boto3 clients (embedded or against a server)."""

    def __init__(
        self,
        clients: ClientFactory,
        *,
        account_id: str,
        region: str,
        ids: IdGenerator | None = None,
        clock: Clock | None = None,
        listener: Listener | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._factory = clients
        self._clients: dict[str, Client] = {}
        self.account_id = account_id
        self.region = region
        self.ids = ids or IdGenerator()
        self.clock = clock or SystemClock()
        self.listener = listener or Listener()
        self.sleep = sleep
        self.store = StackStore(self.client("s3"))

    def client(self, service: str) -> Client:
        if service not in self._clients:
            self._clients[service] = self._factory(service)
        return self._clients[service]

    def stacks(self) -> list[StackState]:
        return self.store.all()

    def deploy(
        self,
        stack_name: str,
        template: Template,
        *,
        parameters: Mapping[str, str] | None = None,
        assets: Assets | None = None,
    ) -> StackState:
        """Create or update ``stack_name`` from ``template``; roll back on failure."""
        _check_stack_name(stack_name)
        previous = self.store.load(stack_name)
        stack_id = previous.stack_id if previous else self._new_stack_id(stack_name)
        identity = Identity(stack_name, stack_id, self.account_id, self.region)
        plan = make_plan(
            template, identity, parameters or {}, previous.parameters if previous else None
        )
        return Deployment(self, plan, identity, previous, assets or Assets()).run()

    def deploy_artifact(
        self, artifact: StackArtifact, *, parameters: Mapping[str, str] | None = None
    ) -> StackState:
        """Deploy one stack of a cloud assembly, its Lambda code taken from the assembly."""
        assets = artifact.assets(account_id=self.account_id, region=self.region)
        return self.deploy(
            artifact.stack_name, artifact.template(), parameters=parameters, assets=assets
        )

    def destroy(self, stack_name: str) -> None:
        """Delete the stack's resources, dependents first, keeping ``Retain`` ones."""
        state = self.store.load(stack_name)
        if state is None:
            raise StackNotFound(f"Stack with id {stack_name} does not exist")
        others = self.others(stack_name)
        for name in state.exports:
            if importers := importers_of(name, others):
                raise StackConflict(
                    f"Export {name} cannot be deleted as it is in use by {', '.join(importers)}"
                )
        state.status, state.updated = "DELETE_IN_PROGRESS", self.now()
        self.store.save(state)
        self.listener.stack_started(
            stack_name, "destroy", len(state.resources) + len(state.replaced)
        )
        failed: list[str] = []
        # Replaced resources a killed deploy did not get to delete: nothing refers to them.
        for old in list(state.replaced):
            try:
                self.remove(stack_name, old, old.update_replace_policy)
            except ResourceFailed:
                failed.append(old.logical_id)
            else:
                state.replaced.remove(old)
                self.store.save(state)
        graph = {lid: entry.depends_on for lid, entry in state.resources.items()}
        blocked: dict[str, str] = {}
        for logical_id in deletion_order(graph):
            entry = state.resources[logical_id]
            if logical_id in blocked:
                _mark(entry, "DELETE_SKIPPED")
                self.event(
                    stack_name, entry, "DELETE_SKIPPED", f"{blocked[logical_id]} was not deleted"
                )
                blocked.update(dict.fromkeys(entry.depends_on, blocked[logical_id]))
                continue
            try:
                self.remove(stack_name, entry, entry.deletion_policy)
            except ResourceFailed:
                _mark(entry, "DELETE_FAILED")
                failed.append(logical_id)
                blocked.update(dict.fromkeys(entry.depends_on, logical_id))
            else:
                del state.resources[logical_id]
            self.store.save(state)
        if state.resources or state.replaced:
            failed.sort()
            state.status = "DELETE_FAILED"
            state.reason = f"The following resource(s) failed to delete: {failed}"
            self.store.save(state)
            self.listener.stack_finished(stack_name, state.status)
            raise DeployError(f"destroying {stack_name} failed: {state.reason}")
        self.store.delete(stack_name)
        self.listener.stack_finished(stack_name, "DELETE_COMPLETE")

    # -- shared with deployments --------------------------------------------------------------

    def context(self, stack_name: str, logical_id: str, assets: Assets, token: str = "") -> Context:
        return Context(
            clients=self.client,
            stack_name=stack_name,
            logical_id=logical_id,
            account_id=self.account_id,
            region=self.region,
            ids=self.ids,
            assets=assets,
            sleep=self.sleep,
            token=token,
        )

    def remove(
        self, stack_name: str, entry: ResourceState, policy: str, assets: Assets | None = None
    ) -> None:
        """Delete one resource unless ``policy`` keeps it; gone already counts as deleted.

        What a create that never finished made is removed whatever the policy: nothing can
        rely on it, since dependents are created only after it completes.
        """
        unfinished = half_made(entry)
        if policy in KEEP and not unfinished:
            self.event(stack_name, entry, "DELETE_SKIPPED", reason=f"{policy} policy")
            return
        self.event(stack_name, entry, "DELETE_IN_PROGRESS")
        handler = handler_for(entry)
        context = self.context(stack_name, entry.logical_id, assets or Assets(), entry.token)
        try:
            if unfinished:
                handler.undo_create(entry.physical_id, entry.properties, context)
            else:
                handler.delete(entry.physical_id, entry.properties, context)
        except Exception as error:
            if error_code(error) not in handler.missing:
                failure = ResourceFailed(entry.logical_id, entry.type, "delete", error)
                self.event(stack_name, entry, "DELETE_FAILED", reason=describe(error))
                raise failure from error
        self.event(stack_name, entry, "DELETE_COMPLETE")

    def others(self, stack_name: str) -> list[StackState]:
        """Every deployed stack but ``stack_name``: whose exports it may import or must keep."""
        return [state for state in self.store.all() if state.name != stack_name]

    def now(self) -> str:
        return datetime.fromtimestamp(self.clock.now(), tz=UTC).isoformat(timespec="seconds")

    def event(
        self, stack: str, entry: ResourceState, status: str | None = None, reason: str = ""
    ) -> None:
        self.listener.resource(
            ResourceEvent(
                stack,
                entry.logical_id,
                entry.type,
                status or entry.status,
                entry.physical_id,
                reason,
            )
        )

    def _new_stack_id(self, stack_name: str) -> str:
        return (
            f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{stack_name}/"
            f"{self.ids.uuid4()}"
        )


def handler_for(entry: ResourceState) -> ResourceHandler:
    """The handler that created ``entry``: the native provider stand-in or the type's."""
    if entry.type == PROVIDER.type and not entry.enforced:
        return PROVIDER
    handler = HANDLERS.get(entry.type)
    if handler is None:
        raise DeployError(f"{entry.logical_id} has type {entry.type}, which lakehose cannot delete")
    return handler


def _mark(entry: ResourceState, status: str) -> None:
    # A create that never finished keeps saying so, so that it is still undone, not deleted.
    if not half_made(entry):
        entry.status = status


def _check_stack_name(name: str) -> None:
    if (
        not name
        or len(name) > _STACK_NAME_LIMIT
        or not name[0].isalpha()
        or not all(c.isalnum() or c == "-" for c in name)
    ):
        raise TemplateError(
            f"Stack name {name!r} is invalid: it must start with a letter and contain only "
            f"letters, digits and hyphens (at most {_STACK_NAME_LIMIT} characters)"
        )
