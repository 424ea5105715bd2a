"""``lakehose demo``: the article's pipeline end to end on this machine.

In a fresh state directory (a temporary one unless ``--home``), with an embedded runtime:

1. deploy the committed cloud assembly ``examples/heartrate/cdk.out``, as ``cdk deploy`` would;
2. write 1,000 readings into ``heartrate-ddb`` with PutItem, as the article's generator does;
3. flush: the one shortcut over AWS, which holds records in Firehose's buffer for up to 60 s;
4. run the saved queries ``high-heart-rate`` and ``current-state`` with Athena;

then print their first rows and what each stage holds (items, change records, objects, bytes
scanned) with the seconds each step took. Everything goes through the AWS APIs with boto3.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

import lakehose
from lakehose.cli import options
from lakehose.cli.athena_query import QueryResult, named_query, run_query
from lakehose.cli.failures import reported_failures
from lakehose.cli.generate import put_readings
from lakehose.cli.heartrate import (
    DELIVERY_STREAM_NAME,
    NAMED_QUERIES,
    STACK_NAME,
    STREAM_NAME,
    TABLE_NAME,
    WORKGROUP_NAME,
    Reading,
)
from lakehose.cli.rendering import counted, human_bytes, rows_table, summary
from lakehose.cli.stages import Objects, Pipeline, Stages, measure

if TYPE_CHECKING:
    from lakehose.deploy import StackState

# The example's committed assembly ships in the package (examples/heartrate/cdk.out links here).
ASSEMBLY = Path(lakehose.__file__).resolve().parent / "assets" / "heartrate-cdk.out"
READINGS = 1000
SEED = 2023  # fixed, so every demo writes the same readings (their times are the clock's)
ROWS_SHOWN = 5

console = Console(soft_wrap=True)


@dataclass
class DemoReport:
    """What the demo did: the deployed stack, the counts at each stage and the query results."""

    home: Path
    stack: StackState
    readings: list[Reading] = field(default_factory=list)
    stages: Stages | None = None
    queries: dict[str, QueryResult] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def deploy_heartrate(
    clients: Callable[[str], Any], *, account_id: str, region: str, assembly: Path = ASSEMBLY
) -> StackState:
    """Deploy the example's stack from its cloud assembly (no aws-cdk-lib needed)."""
    from lakehose.deploy import CloudAssembly, Deployer

    (artifact,) = CloudAssembly(assembly).select([STACK_NAME])
    deployer = Deployer(clients, account_id=account_id, region=region)
    return deployer.deploy(
        artifact.stack_name,
        artifact.template(),
        assets=artifact.assets(account_id=account_id, region=region),
    )


def run_demo(
    home: Path, *, assembly: Path = ASSEMBLY, count: int = READINGS, out: Console = console
) -> DemoReport:
    from lakehose.runtime import Lakehose

    clock = time.monotonic
    with Lakehose(home=home) as lake:
        out.print(f"[bold]1. deploy[/bold] {assembly} into {lake.state.path}", highlight=False)
        started = clock()
        stack = deploy_heartrate(
            lake.client,
            account_id=lake.settings.account_id,
            region=lake.settings.region,
            assembly=assembly,
        )
        report = DemoReport(home=lake.state.path, stack=stack)
        report.seconds["deploy"] = clock() - started
        recorded = [r.type for r in stack.resources.values() if not r.enforced]
        kinds = ", ".join(sorted({kind.split("::")[1] for kind in recorded}))
        out.print(
            f"   stack {stack.name}: {stack.status}, {len(stack.resources)} resources "
            f"({len(recorded)} recorded, not enforced: {kinds})",
            highlight=False,
        )

        out.print(f"[bold]2. generate[/bold] {count} readings into {TABLE_NAME}", highlight=False)
        started = clock()
        report.readings = put_readings(lake.client("dynamodb"), count=count, seed=SEED, console=out)
        report.seconds["generate"] = clock() - started

        out.print(
            "[bold]3. flush[/bold] [yellow]the one shortcut:[/yellow] AWS's Firehose holds records "
            "up to 60 s (or 1 MiB) before it writes an object; lakehose delivers them now",
            highlight=False,
        )
        started = clock()
        lake.flush()
        report.seconds["flush"] = clock() - started
        report.stages = measure(lake.client, _pipeline(stack))

        athena = lake.client("athena")
        for name in NAMED_QUERIES:
            out.print(f"[bold]4. query[/bold] {name}", highlight=False)
            started = clock()
            saved = named_query(athena, name, WORKGROUP_NAME)
            result = run_query(athena, saved.sql, workgroup=WORKGROUP_NAME, database=saved.database)
            report.seconds[name] = clock() - started
            report.queries[name] = result
            _print_rows(out, name, result)
    _print_stages(out, report)
    return report


def _pipeline(stack: StackState) -> Pipeline:
    outputs = {o.key: o.value for o in stack.outputs}
    return Pipeline(
        delivery_stream=DELIVERY_STREAM_NAME,
        table=TABLE_NAME,
        stream=STREAM_NAME,
        bucket=outputs.get("BucketName"),
        data_prefix="data/",
        error_prefix="errors/",
    )


def _print_rows(out: Console, name: str, result: QueryResult) -> None:
    shown = min(len(result.rows), ROWS_SHOWN)
    title = f"{name}: first {shown} of {len(result.rows)} rows"
    out.print(rows_table(result, limit=ROWS_SHOWN, title=title))
    out.print(f"   {summary(result)}", highlight=False, style="dim")


def _print_stages(out: Console, report: DemoReport) -> None:
    stages = report.stages or Stages(None, None, None, None)
    seconds = report.seconds

    def objects(found: Objects | None) -> str:
        size = f", {human_bytes(found.size)}" if found else ""
        return counted(found.count if found else None, "object") + size

    rows = [
        ("deploy", f"{len(report.stack.resources)} resources", seconds["deploy"]),
        (
            f"DynamoDB {TABLE_NAME}",
            f"{counted(stages.items, 'item')} after {len(report.readings)} PutItem",
            seconds["generate"],
        ),
        (f"Kinesis {STREAM_NAME}", counted(stages.change_records, "change record"), None),
        ("Firehose -> S3 data/", objects(stages.data), seconds["flush"]),
        ("Firehose -> S3 errors/", objects(stages.errors), None),
    ]
    rows += [
        (
            f"Athena {name}",
            f"{len(result.rows)} rows, {human_bytes(result.bytes_scanned)} scanned",
            seconds[name],
        )
        for name, result in report.queries.items()
    ]
    table = Table(title="what happened at each stage", title_justify="left")
    for column in ("stage", "holds", "seconds"):
        table.add_column(column)
    for stage, holds, took in rows:
        table.add_row(stage, holds, "" if took is None else f"{took:.1f}")
    table.add_row("[bold]total[/bold]", "", f"[bold]{sum(seconds.values()):.1f}[/bold]")
    out.print(table)


@click.command()
@options.home("State directory to keep (default: a temporary one, removed afterwards).")
@click.option(
    "--assembly",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The example's cloud assembly (default: the one installed with lakehose).",
)
@click.option("--count", type=click.IntRange(min=1), default=READINGS, show_default=True)
def demo(home: Path | None, assembly: Path | None, count: int) -> None:
    """Deploy the heart-rate example, write readings, flush, and query them, in one go."""
    chosen = assembly or ASSEMBLY
    if not (chosen / "manifest.json").is_file():
        raise click.UsageError(f"no cloud assembly at {chosen}; pass --assembly PATH")
    if home is not None:
        with reported_failures():
            run_demo(home, assembly=chosen, count=count)
        console.print(
            f"[dim]state kept in {home}: try lakehose up --home {home}, then "
            "lakehose query --named current-state[/dim]",
            highlight=False,
        )
        return
    with tempfile.TemporaryDirectory(prefix="lakehose-demo-") as scratch, reported_failures():
        run_demo(Path(scratch), assembly=chosen, count=count)
    console.print("[dim]state removed; keep it with --home DIR[/dim]")
