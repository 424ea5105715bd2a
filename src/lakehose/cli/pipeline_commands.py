"""Everyday pipeline commands: ``lakehose query``, ``lakehose env``, ``generate`` and ``demo``.

``query`` talks to the ``lakehose up`` serving the home when there is one, else opens the home
itself (``cli.target``); ``env`` only prints; ``generate`` and ``demo`` live in their own modules.
"""

from __future__ import annotations

import csv
import json
import shlex
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from lakehose.cli import options
from lakehose.cli.athena_query import (
    QueryResult,
    named_query,
    run_query,
    typed_value,
)
from lakehose.cli.athena_query import output_location as default_output_location
from lakehose.cli.demo import demo
from lakehose.cli.failures import errors, reported_failures
from lakehose.cli.generate import generate
from lakehose.cli.rendering import counted, human_bytes, rows_table, summary
from lakehose.cli.stages import Objects, discover, measure
from lakehose.settings import Settings

console = Console(soft_wrap=True)
PRIMARY = "primary"  # every account's workgroup

# What the AWS SDKs and the AWS CLI read. AWS_DEFAULT_REGION too: boto3 and the AWS CLI v1 read
# only that one, the other SDKs and the AWS CLI v2 read AWS_REGION.
ENV_NAMES = (
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)
# Any key is accepted unless the server checks signatures (LAKEHOSE_ACCESS_KEY_ID is set).
ANY_KEY = "test"


def register(group: click.Group) -> None:
    """Add the pipeline commands to the ``lakehose`` command group."""
    for command in (query, env, generate, demo):
        group.add_command(command)


@click.command()
@click.argument("sql", required=False)
@click.option("--named", "name", default=None, help="Run the saved query with this name.")
@click.option(
    "--workgroup",
    default=None,
    help=f"Athena workgroup (default: the saved query's, else {PRIMARY}).",
)
@click.option(
    "--database",
    default=None,
    help="Database for unqualified tables (default: the saved query's, else Athena's default).",
)
@click.option(
    "--output-location",
    default=None,
    help="s3:// folder for the results (default: the workgroup's, else "
    "s3://lakehose-query-results-ACCOUNT-REGION/, created when missing).",
)
@click.option(
    "--output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@options.home()
@options.endpoint()
def query(
    sql: str | None,
    name: str | None,
    workgroup: str | None,
    database: str | None,
    output_location: str | None,
    output: str,
    home: Path | None,
    endpoint: str | None,
) -> None:
    """Run Athena SQL (or a saved query, --named) and print its rows."""
    from lakehose.cli.target import aws_target

    if (sql is None) == (name is None):
        raise click.UsageError("give either SQL or --named NAME")
    with reported_failures(), aws_target(Settings.from_env(home=home), endpoint) as target:
        athena = target.clients("athena")
        if name is not None:
            saved = named_query(athena, name, workgroup)
            sql, database = saved.sql, database or saved.database
            workgroup = workgroup or saved.workgroup
        assert sql is not None
        workgroup = workgroup or PRIMARY
        if output_location is None:
            output_location = default_output_location(
                target.clients, workgroup, target.account_id, target.region
            )
        result = run_query(
            athena, sql, workgroup=workgroup, database=database, output_location=output_location
        )
    if output == "csv":
        _print_csv(result)
    elif output == "json":
        _print_json(result)
    else:
        console.print(rows_table(result))
        console.print(summary(result), highlight=False, style="dim")


def _print_csv(result: QueryResult) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([["" if v is None else v for v in row] for row in result.rows])


def _print_json(result: QueryResult) -> None:
    # Numbers and booleans as JSON types them (by the column's Athena type); NULL is null.
    records = [
        {
            column: typed_value(value, kind)
            for column, kind, value in zip(result.columns, result.types, row, strict=True)
        }
        for row in result.rows
    ]
    sys.stdout.write(json.dumps(records, indent=2, ensure_ascii=False) + "\n")


@click.command()
@options.home()
@options.endpoint()
@click.option("--unset", is_flag=True, help="Print the lines that undo the exports instead.")
def env(home: Path | None, endpoint: str | None, unset: bool) -> None:
    """Print the shell lines that point the AWS SDKs and CLI at lakehose: eval $(lakehose env)."""
    if unset:
        click.echo("\n".join(f"unset {name}" for name in ENV_NAMES))
        return
    from lakehose.cli.target import running_server

    with reported_failures():
        settings = Settings.from_env(home=home)
        running = running_server(settings) if endpoint is None else endpoint
    if running is None:
        errors.print(
            f"note: no server is running for {settings.home.resolve()}; these point at "
            "where `lakehose up` listens by default",
            highlight=False,
        )
    endpoint = running or settings.endpoint_url
    credentials = settings.credentials
    values = (
        endpoint,
        settings.region,
        settings.region,
        credentials.access_key_id if credentials else ANY_KEY,
        credentials.secret_access_key if credentials else ANY_KEY,
    )
    for name, value in zip(ENV_NAMES, values, strict=True):
        click.echo(f"export {name}={shlex.quote(value)}")


def show_pipelines(endpoint: str, home: Path | None) -> None:
    """``lakehose status``'s second table: each deployed pipeline, stage by stage."""
    from botocore.exceptions import BotoCoreError, ClientError

    from lakehose.cli.target import aws_target

    with aws_target(Settings.from_env(home=home), endpoint) as target:
        try:
            pipelines = discover(target.clients)
        except (ClientError, BotoCoreError) as error:
            errors.print(f"pipelines: cannot list delivery streams ({error})", highlight=False)
            return
        if not pipelines:
            console.print("no pipelines (no Firehose delivery streams)", highlight=False)
            return
        table = Table(title="pipelines", title_justify="left")
        for column in ("delivery stream", "DynamoDB", "Kinesis", "S3 data", "S3 errors"):
            table.add_column(column)
        for pipeline in pipelines:
            stages = measure(target.clients, pipeline)
            table.add_row(
                f"{pipeline.delivery_stream}\n[dim]s3://{pipeline.bucket or '?'}[/dim]",
                f"{pipeline.table or '-'}\n{counted(stages.items, 'item')}",
                f"{pipeline.stream or '-'}\n{counted(stages.change_records, 'change record')}",
                _objects(pipeline.data_prefix, stages.data),
                _objects(pipeline.error_prefix, stages.errors),
            )
    console.print(table)
    console.print(
        "[dim]stream lag and buffered bytes are CloudWatch metrics, which lakehose does not "
        "serve; `lakehose flush` delivers whatever is buffered[/dim]",
        highlight=False,
    )


def _objects(prefix: str, found: Objects | None) -> str:
    size = f", {human_bytes(found.size)}" if found else ""
    return f"{prefix or '(bucket)'}\n{counted(found.count if found else None, 'object')}{size}"
