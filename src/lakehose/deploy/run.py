"""One deploy of one stack: steps 2 to 4 of ``deployer``'s docstring, and the rollback."""

from __future__ import annotations

import contextlib
import copy
import functools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from lakehose.deploy.assembly import Assets
from lakehose.deploy.errors import (
    DeployError,
    ResourceFailed,
    StackConflict,
    TemplateError,
    describe,
)
from lakehose.deploy.graph import deletion_order
from lakehose.deploy.intrinsics import Evaluator, to_string
from lakehose.deploy.plan import Identity, Plan
from lakehose.deploy.resources import REPLACE, ResourceHandler
from lakehose.deploy.state import Output, ResourceState, StackState, half_made

if TYPE_CHECKING:
    from lakehose.deploy.deployer import Deployer

# Characters of a creation token: the 12 of CloudFormation's generated name suffixes.
_TOKEN_LENGTH = 12


def importers_of(export_name: str, stacks: list[StackState]) -> list[str]:
    """The names of the ``stacks`` importing ``export_name``."""
    return sorted(state.name for state in stacks if export_name in state.imports)


@dataclass(frozen=True)
class _Done:
    """A step to undo on rollback: ``previous`` is the entry before it (None: created)."""

    logical_id: str
    previous: ResourceState | None
    replaced: bool


class Deployment:
    """Applies a plan to a stack; also the ``ResourceScope`` its evaluator resolves against."""

    def __init__(
        self,
        deployer: Deployer,
        plan: Plan,
        identity: Identity,
        previous: StackState | None,
        assets: Assets,
    ) -> None:
        self.deployer = deployer
        self.plan = plan
        self.identity = identity
        self.previous = previous
        self.assets = assets
        self.name = identity.stack_name
        now = deployer.now()
        self.state = (
            copy.deepcopy(previous)
            if previous
            else StackState(identity.stack_name, identity.stack_id, "CREATE_IN_PROGRESS", now)
        )
        self.evaluator: Evaluator = plan.evaluator.with_resources(self)
        self.done: list[_Done] = []
        self.imports: set[str] = set()

    # -- ResourceScope --------------------------------------------------------------------------

    def ref(self, logical_id: str) -> Any:
        return self._entry(logical_id).physical_id

    def get_att(self, logical_id: str, attribute: str) -> Any:
        attributes = self._entry(logical_id).attributes
        if attribute not in attributes:
            raise TemplateError(
                f"Template error: resource {logical_id} does not support attribute type "
                f"{attribute} in Fn::GetAtt"
            )
        return attributes[attribute]

    def import_value(self, name: str) -> Any:
        if name not in self.exports:
            raise TemplateError(f"No export named {name} found.")
        self.imports.add(name)
        return self.exports[name][0]

    @functools.cached_property
    def others(self) -> list[StackState]:
        """The other stacks, read once per deploy."""
        return self.deployer.others(self.name)

    @functools.cached_property
    def exports(self) -> dict[str, tuple[str, str]]:
        """The other stacks' exports: name to (value, exporting stack)."""
        return {
            name: (value, state.name)
            for state in self.others
            for name, value in state.exports.items()
        }

    def _entry(self, logical_id: str) -> ResourceState:
        entry = self.state.resources.get(logical_id)
        if entry is None or logical_id not in self.plan.handlers:
            raise TemplateError(f"Template error: resource {logical_id} is not available here")
        return entry

    # -- the deploy ---------------------------------------------------------------------------

    def run(self) -> StackState:
        creating = self.previous is None
        self.state.status = "CREATE_IN_PROGRESS" if creating else "UPDATE_IN_PROGRESS"
        self.state.reason = ""
        self.deployer.store.save(self.state)
        self.deployer.listener.stack_started(self.name, "deploy", len(self.plan.order))
        try:
            for logical_id in self.plan.order:
                self._apply(logical_id)
            outputs = self._outputs()
        except BaseException as error:
            # BaseException too: an interrupted deploy (Ctrl-C) must not leave half a stack.
            try:
                self._roll_back(error)
            except Exception as failure:
                # The services are out of reach (a stopped server): what was recorded stays
                # recorded, and the next deploy or destroy takes it from there.
                raise DeployError(
                    f"{describe(error)}; rolling back failed too ({describe(failure)}): stack "
                    f"{self.name} is left as `lakehose stacks` shows, and deploying it again "
                    "resumes it"
                ) from error
            raise
        removed = [lid for lid in self.state.resources if lid not in self.plan.handlers]
        previous_outputs = self.previous.outputs if self.previous else []
        changed = bool(self.done or removed) or outputs != previous_outputs
        self._clean_up(removed)
        self.state.outputs = outputs
        self.state.imports = sorted(self.imports)
        self.state.parameters = self.plan.parameters
        self.state.template_digest = self.plan.template.digest
        if creating:
            self.state.status = "CREATE_COMPLETE"
        elif changed:
            self.state.status, self.state.updated = "UPDATE_COMPLETE", self.deployer.now()
        else:
            self.state.status = self.previous.status if self.previous else "CREATE_COMPLETE"
            self.state.reason = "No updates are to be performed."
        self.deployer.store.save(self.state)
        self.deployer.listener.stack_finished(self.name, self.state.status)
        return self.state

    def _apply(self, logical_id: str) -> None:
        handler = self.plan.handlers[logical_id]
        declaration = self.plan.template.resources[logical_id]
        props = self.evaluator.resolve(declaration.get("Properties") or {})
        old = self.state.resources.get(logical_id)
        if old is not None and half_made(old):
            # Left by a deploy that died while creating it: it may half exist; start afresh.
            self.deployer.remove(self.name, old, "Delete", self.assets)
            del self.state.resources[logical_id]
            old = None
        template = self._entry_for(logical_id, declaration, handler, props)
        if old is None:
            self._create(template, handler, previous=None)
        elif old.type != template.type or old.enforced != template.enforced:
            self._replace(template, handler, old)
        elif old.properties == props:
            self.state.resources[logical_id] = replace(
                template, physical_id=old.physical_id, attributes=old.attributes, status=old.status
            )
            # Not a CloudFormation status: tells progress displays the step is done.
            self._event(old, "UNCHANGED")
        elif handler.needs_replacement(old.properties, props):
            self._replace(template, handler, old)
        else:
            self._update(template, handler, old)
        self.deployer.store.save(self.state)

    def _entry_for(
        self, logical_id: str, declaration: dict[str, Any], handler: ResourceHandler, props: Any
    ) -> ResourceState:
        ignored = sorted(handler.ignored & set(props))
        notes = [handler.note] if handler.note else []
        if ignored:
            notes.append(f"not enforced: {', '.join(ignored)}")
        return ResourceState(
            logical_id=logical_id,
            type=declaration["Type"],
            physical_id="",
            status="",
            properties=props,
            enforced=handler.enforced,
            note="; ".join(notes),
            deletion_policy=declaration.get("DeletionPolicy", "Delete"),
            update_replace_policy=declaration.get("UpdateReplacePolicy", "Delete"),
            depends_on=self.plan.dependencies[logical_id],
        )

    def _create(
        self, entry: ResourceState, handler: ResourceHandler, previous: ResourceState | None
    ) -> None:
        """Steps 1 and 2 of ``state``'s docstring, then the create."""
        entry.status = "CREATE_IN_PROGRESS"
        entry.token = self.deployer.ids.alphanumeric(_TOKEN_LENGTH)
        context = self.deployer.context(self.name, entry.logical_id, self.assets, entry.token)
        entry.physical_id = handler.planned_id(entry.properties, context)
        self.state.resources[entry.logical_id] = entry
        if previous is not None:
            self.state.replaced.append(previous)
        self.deployer.store.save(self.state)
        self._event(entry)
        step = _Done(entry.logical_id, previous, replaced=previous is not None)
        try:
            entry.physical_id, entry.attributes = handler.create(entry.properties, context)
        except BaseException as error:
            # What the create made before it failed is removed by the rollback, as CloudFormation
            # deletes a resource whose creation failed (and an interrupted create the same way).
            entry.status = "CREATE_FAILED"
            self.done.append(step)
            self._event(entry, reason=describe(error))
            if isinstance(error, Exception):
                raise ResourceFailed(entry.logical_id, entry.type, "create", error) from error
            raise
        entry.status = "CREATE_COMPLETE"
        self.done.append(step)
        self._event(entry)

    def _replace(self, entry: ResourceState, handler: ResourceHandler, old: ResourceState) -> None:
        name = handler.name_property(entry.properties)
        if name is not None and name == handler.name_property(old.properties):
            raise ResourceFailed(
                entry.logical_id,
                entry.type,
                "update",
                DeployError(
                    "CloudFormation cannot update a stack when a custom-named resource requires "
                    f"replacing. Rename {name} and update the stack again."
                ),
            )
        self._create(entry, handler, previous=old)

    def _update(self, entry: ResourceState, handler: ResourceHandler, old: ResourceState) -> None:
        entry.physical_id = old.physical_id
        self._event(entry, "UPDATE_IN_PROGRESS")
        context = self.deployer.context(self.name, entry.logical_id, self.assets)
        try:
            result = handler.update(old.properties, entry.properties, old.physical_id, context)
        except Exception as error:
            self._event(entry, "UPDATE_FAILED", describe(error))
            raise ResourceFailed(entry.logical_id, entry.type, "update", error) from error
        if result is REPLACE:
            self._replace(entry, handler, old)
            return
        assert isinstance(result, dict)
        entry.attributes, entry.status = result, "UPDATE_COMPLETE"
        self.state.resources[entry.logical_id] = entry
        self.done.append(_Done(entry.logical_id, old, replaced=False))
        self._event(entry)

    def _outputs(self) -> list[Output]:
        outputs: list[Output] = []
        for key, declaration in self.plan.template.outputs.items():
            condition = declaration.get("Condition")
            if condition is not None and not self.evaluator.condition(condition):
                continue
            value = _text(self.evaluator.resolve(declaration.get("Value")), key)
            export = ""
            if "Export" in declaration:
                export = _text(self.evaluator.resolve(declaration["Export"].get("Name")), key)
                if export in self.exports:
                    raise StackConflict(
                        f"Export with name {export} is already exported by stack "
                        f"{self.exports[export][1]}"
                    )
            description = str(declaration.get("Description", ""))
            outputs.append(Output(key, value, description, export))
        new = {o.export_name: o.value for o in outputs if o.export_name}
        for name, value in (self.previous.exports if self.previous else {}).items():
            if new.get(name) != value and (users := importers_of(name, self.others)):
                raise StackConflict(
                    f"Cannot update export {name} as it is in use by {', '.join(users)}"
                )
        return outputs

    def _clean_up(self, removed: list[str]) -> None:
        """Delete replaced resources (this deploy's, and any a killed one left), then removed
        ones; failures are reported, not undone."""
        for old in reversed(list(self.state.replaced)):
            self._discard(old, old.update_replace_policy)
            self.state.replaced.remove(old)
            self.deployer.store.save(self.state)
        graph = {lid: self.state.resources[lid].depends_on for lid in removed}
        for logical_id in deletion_order(graph):
            entry = self.state.resources.pop(logical_id)
            self._discard(entry, entry.deletion_policy)
            self.deployer.store.save(self.state)

    def _discard(self, entry: ResourceState, policy: str) -> None:
        # A failure is already reported as DELETE_FAILED; the deploy itself succeeded.
        with contextlib.suppress(ResourceFailed):
            self.deployer.remove(self.name, entry, policy, self.assets)

    def _roll_back(self, error: BaseException) -> None:
        status = "ROLLBACK" if self.previous is None else "UPDATE_ROLLBACK"
        self.state.status, self.state.reason = f"{status}_IN_PROGRESS", describe(error)
        failures: list[str] = []
        for step in reversed(self.done):
            entry = self.state.resources[step.logical_id]
            try:
                if step.previous is None or step.replaced:
                    policy = (
                        "Delete"
                        if entry.deletion_policy == "RetainExceptOnCreate"
                        else entry.deletion_policy
                    )
                    self.deployer.remove(self.name, entry, policy, self.assets)
                else:
                    handler = self.plan.handlers[step.logical_id]
                    context = self.deployer.context(self.name, step.logical_id, self.assets)
                    handler.update(
                        entry.properties, step.previous.properties, entry.physical_id, context
                    )
                    self._event(step.previous, "UPDATE_COMPLETE", "rolled back")
            except Exception as failure:
                failures.append(f"{step.logical_id}: {describe(failure)}")
            if step.previous is None:
                del self.state.resources[step.logical_id]
            else:
                self.state.resources[step.logical_id] = step.previous
            if step.replaced:
                self.state.replaced = [r for r in self.state.replaced if r is not step.previous]
            self.deployer.store.save(self.state)
        if self.previous is None and not failures:
            self.deployer.store.delete(self.name)
            self.deployer.listener.stack_finished(self.name, "ROLLBACK_COMPLETE")
            return
        # The state was restored step by step; outputs and parameters were never changed.
        self.state.status = f"{status}_FAILED" if failures else f"{status}_COMPLETE"
        self.state.reason = describe(error) + (
            f"; rollback failed for {failures}" if failures else ""
        )
        self.deployer.store.save(self.state)
        self.deployer.listener.stack_finished(self.name, self.state.status)

    def _event(self, entry: ResourceState, status: str | None = None, reason: str = "") -> None:
        self.deployer.event(self.name, entry, status, reason)


def _text(value: Any, key: str) -> str:
    if isinstance(value, list):
        return ",".join(to_string(item, f"output {key}") for item in value)
    return to_string(value, f"output {key}")
