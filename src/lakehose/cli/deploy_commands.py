"""``lakehose deploy``, ``lakehose destroy`` and ``lakehose stacks``.

They run against the ``lakehose up`` serving the home when there is one, else on the home
directly (``cli.target``); stack state is shared either way (``deploy.state``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from lakehose.cli import options
from lakehose.cli.failures import reported_failures
from lakehose.cli.target import Target, aws_target
from lakehose.settings import Settings

if TYPE_CHECKING:
    from lakehose.deploy import Deployer, ResourceEvent, StackState

console = Console(soft_wrap=True)

_STYLES = {"COMPLETE": "green", "FAILED": "red", "SKIPPED": "yellow", "IN_PROGRESS": "cyan"}
# Statuses after which a resource's step is over (for the progress bar).
_FINAL = ("_COMPLETE", "_FAILED", "_SKIPPED", "UNCHANGED")


def register(group: click.Group) -> None:
    """Add the deploy commands to the ``lakehose`` command group."""
    for command in (deploy, destroy, stacks):
        group.add_command(command)


@click.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--stack", "names", multiple=True, help="Stack to deploy (repeatable); a template needs one."
)
@click.option(
    "--parameters",
    "pairs",
    multiple=True,
    metavar="[STACK:]KEY=VALUE",
    help="A parameter value (repeatable).",
)
@options.home()
@options.endpoint(options.ENDPOINT_OR_EMBEDDED_HELP)
def deploy(
    path: Path,
    names: tuple[str, ...],
    pairs: tuple[str, ...],
    home: Path | None,
    endpoint: str | None,
) -> None:
    """Deploy a cdk.out assembly or a CloudFormation template (JSON or YAML)."""
    from lakehose.deploy import CloudAssembly, load_template

    with reported_failures():
        if CloudAssembly.is_assembly(path):
            artifacts = CloudAssembly(path).select(names)
            templates = {a.stack_name: a.template() for a in artifacts}
        elif path.is_file():
            if len(names) != 1:
                raise click.UsageError("deploying a template file needs exactly one --stack NAME")
            artifacts, templates = [], {names[0]: load_template(path)}
        else:
            raise click.UsageError(f"{path} is neither a cdk.out directory nor a template file")
        values = _parameters(pairs, {name: set(t.parameters) for name, t in templates.items()})
        with aws_target(Settings.from_env(home=home), endpoint) as target:
            _announce(target)
            with Display() as display:
                deployer = _deployer(target, display)
                if artifacts:
                    states = [
                        deployer.deploy_artifact(a, parameters=values[a.stack_name])
                        for a in artifacts
                    ]
                else:
                    ((name, template),) = templates.items()
                    states = [deployer.deploy(name, template, parameters=values[name])]
        for state in states:
            _print_outputs(state)


@click.command()
@click.argument("stack")
@options.home()
@options.endpoint(options.ENDPOINT_OR_EMBEDDED_HELP)
def destroy(stack: str, home: Path | None, endpoint: str | None) -> None:
    """Delete a deployed stack and its resources (DeletionPolicy Retain keeps a resource)."""
    with reported_failures(), aws_target(Settings.from_env(home=home), endpoint) as target:
        _announce(target)
        with Display() as display:
            _deployer(target, display).destroy(stack)
        console.print(f"[green]{stack} destroyed[/green]")


@click.command()
@click.option("--stack", "names", multiple=True, help="Show only these stacks.")
@options.home()
@options.endpoint(options.ENDPOINT_OR_EMBEDDED_HELP)
def stacks(names: tuple[str, ...], home: Path | None, endpoint: str | None) -> None:
    """List deployed stacks with their resources and outputs."""
    with reported_failures(), aws_target(Settings.from_env(home=home), endpoint) as target:
        states = [s for s in _deployer(target, None).stacks() if not names or s.name in names]
    if not states:
        console.print("no stacks deployed")
        return
    summary = Table(title="stacks")
    for column in ("stack", "status", "created", "updated", "resources", "outputs"):
        summary.add_column(column, overflow="fold")
    for state in states:
        summary.add_row(
            state.name,
            _status(state.status),
            state.created,
            state.updated or "-",
            str(len(state.resources)),
            str(len(state.outputs)),
        )
    console.print(summary)
    for state in states:
        if explanation := _explain(state):
            console.print(f"{state.name}: {explanation}", highlight=False)
    for state in states:
        resources = Table(title=f"{state.name}: resources")
        for column in ("logical id", "type", "physical id", "status", "note"):
            resources.add_column(column, overflow="fold")
        for entry in state.resources.values():
            note = entry.note if entry.enforced else f"[yellow]{entry.note}[/yellow]"
            resources.add_row(
                entry.logical_id, entry.type, entry.physical_id, _status(entry.status), note
            )
        console.print(resources)
        _print_outputs(state)


class Display:
    """Rich progress for deploys and destroys: a bar per stack and a line per resource event."""

    def __init__(self) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, Any] = {}
        self._done: dict[str, int] = {}
        self._totals: dict[str, int] = {}

    def __enter__(self) -> Display:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def stack_started(self, stack: str, action: str, steps: int) -> None:
        self._tasks[stack] = self.progress.add_task(f"{action} {stack}", total=max(steps, 1))
        self._done[stack], self._totals[stack] = 0, max(steps, 1)

    def resource(self, event: ResourceEvent) -> None:
        if event.status == "UNCHANGED":
            line = f"  [dim]{'unchanged':<20}{event.type:<38}{event.logical_id}[/dim]"
        else:
            where = f" ({event.physical_id})" if event.physical_id else ""
            reason = f": {event.reason}" if event.reason else ""
            line = f"  {_status(event.status, 20)}{event.type:<38}{event.logical_id}{where}{reason}"
        self.progress.console.print(line, highlight=False)
        task = self._tasks.get(event.stack)
        if task is not None and event.status.endswith(_FINAL):
            self._done[event.stack] += 1
            done = self._done[event.stack]
            # Clean-up deletions can add steps beyond the plan: the bar grows rather than overflows.
            self.progress.update(task, completed=done, total=max(self._totals[event.stack], done))

    def stack_finished(self, stack: str, status: str) -> None:
        if (task := self._tasks.pop(stack, None)) is not None:
            self.progress.remove_task(task)
        self.progress.console.print(f"{stack}: {_status(status)}", highlight=False)


def _deployer(target: Target, display: Display | None) -> Deployer:
    from lakehose.deploy import Deployer, Listener

    class Forward(Listener):
        def stack_started(self, stack: str, action: str, steps: int) -> None:
            if display:
                display.stack_started(stack, action, steps)

        def resource(self, event: ResourceEvent) -> None:
            if display:
                display.resource(event)

        def stack_finished(self, stack: str, status: str) -> None:
            if display:
                display.stack_finished(stack, status)

    return Deployer(
        target.clients, account_id=target.account_id, region=target.region, listener=Forward()
    )


def _parameters(pairs: tuple[str, ...], declared: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """``--parameters`` per stack: ``STACK:KEY=VALUE`` for one, ``KEY=VALUE`` for each declaring
    ``KEY``."""
    values: dict[str, dict[str, str]] = {name: {} for name in declared}
    for pair in pairs:
        assignment, _, value = pair.partition("=")
        if not _:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--parameters")
        stack, _, key = assignment.rpartition(":")
        targets = [stack] if stack else [n for n, keys in declared.items() if key in keys]
        if stack and stack not in declared:
            raise click.BadParameter(
                f"no stack {stack} is being deployed", param_hint="--parameters"
            )
        if not targets:
            raise click.BadParameter(
                f"no stack declares parameter {key}", param_hint="--parameters"
            )
        for name in targets:
            values[name][key] = value
    return values


def _explain(state: StackState) -> str:
    """What a stack's status means and what to do, for the statuses that need it."""
    from lakehose.deploy.state import half_made

    reason = f"{state.reason}. " if state.reason else ""
    if state.status.endswith("_IN_PROGRESS"):
        unfinished = [e.logical_id for e in state.resources.values() if half_made(e)]
        making = f" (it was creating {', '.join(unfinished)})" if unfinished else ""
        return (
            f"{reason}a deploy or destroy is running, or was interrupted{making}: "
            f"`lakehose deploy` resumes it, `lakehose destroy {state.name}` removes it"
        )
    if state.status.endswith("_FAILED"):
        return (
            f"{reason}deploying again retries, `lakehose destroy {state.name}` removes what is left"
        )
    return state.reason


def _announce(target: Target) -> None:
    via = "server at" if target.mode == "server" else "embedded runtime on"
    console.print(f"[dim]using the {via} {target.where}[/dim]", highlight=False)


def _print_outputs(state: StackState) -> None:
    if not state.outputs:
        return
    table = Table(title=f"{state.name}: outputs")
    for column in ("key", "value", "export"):
        table.add_column(column, overflow="fold")
    for output in state.outputs:
        table.add_row(output.key, output.value, output.export_name or "-")
    console.print(table)


def _status(status: str, width: int = 0) -> str:
    style = next((s for suffix, s in _STYLES.items() if status.endswith(suffix)), "white")
    return f"[{style}]{status.ljust(width)}[/{style}]"
