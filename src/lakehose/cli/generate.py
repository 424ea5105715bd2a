"""``lakehose generate heartrate``: the article's producer, writing readings with PutItem.

Where the readings go, as for any SDK client: ``--endpoint URL`` (a lakehose server); ``--home
DIR`` (the server running on that home, else the home itself, embedded); neither: wherever boto3
sends them by default, which is AWS unless ``AWS_ENDPOINT_URL`` says otherwise (``eval $(lakehose
env)`` points it at lakehose).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from lakehose.cli import options
from lakehose.cli.failures import reported_failures
from lakehose.cli.heartrate import TABLE_NAME, Reading, ReadingGenerator

console = Console(soft_wrap=True)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def put_readings(
    dynamodb: Any,
    *,
    count: int,
    table: str = TABLE_NAME,
    seed: int | None = None,
    rate: float | None = None,
    console: Console = console,
    now: Callable[[], datetime] = _utc_now,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Reading]:
    """Write ``count`` readings, one PutItem each, at most ``rate`` a second; return them."""
    generator = ReadingGenerator(seed)
    written: list[Reading] = []
    started = monotonic()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(f"PutItem {table}", total=count)
        for number in range(count):
            if rate is not None:
                # Pace against the start, not the previous write, so delays do not accumulate.
                delay = started + number / rate - monotonic()
                if delay > 0:
                    sleep(delay)
            reading = generator.reading(now())
            dynamodb.put_item(TableName=table, Item=reading.item())
            written.append(reading)
            progress.advance(task)
    return written


@click.group()
def generate() -> None:
    """Write example data into a pipeline's source."""


@generate.command()
@click.option("--count", type=click.IntRange(min=1), required=True, help="Readings to write.")
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Readings per second (default: as fast as the table takes them).",
)
@click.option("--table", default=TABLE_NAME, show_default=True, help="Table to write to.")
@click.option("--seed", type=int, default=None, help="Seed: the same seed writes the same ids.")
@options.endpoint("lakehose server URL to write to.")
@options.home("Write to the server running on this home (else to the home itself).")
def heartrate(
    count: int,
    rate: float | None,
    table: str,
    seed: int | None,
    endpoint: str | None,
    home: Path | None,
) -> None:
    """Heart-rate readings as the article's generator writes them, one PutItem each."""
    with reported_failures(), _dynamodb(endpoint, home) as (client, where):
        console.print(f"writing {count} readings to {table} at {where}", highlight=False)
        put_readings(client, count=count, table=table, seed=seed, rate=rate)
    console.print(f"wrote {count} readings", highlight=False)


@contextmanager
def _dynamodb(endpoint: str | None, home: Path | None) -> Iterator[tuple[Any, str]]:
    """A DynamoDB client for the chosen target, and a description of where it writes."""
    if endpoint is None and home is None:
        import boto3

        client = boto3.client("dynamodb")
        yield client, client.meta.endpoint_url
        return
    from lakehose.cli.target import aws_target
    from lakehose.settings import Settings

    with aws_target(Settings.from_env(home=home), endpoint) as target:
        yield target.clients("dynamodb"), target.where
