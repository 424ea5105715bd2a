"""``lakehose``: start the server, ask it how it is, flush it."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from lakehose import __version__
from lakehose.cli import admin, deploy_commands, options, pipeline_commands
from lakehose.cli.failures import errors, fail, reported_failures
from lakehose.errors import LakehoseError
from lakehose.settings import Settings

# soft_wrap: messages carry paths and URLs that must not be broken across lines.
console = Console(soft_wrap=True)


def _print_version(context: click.Context, _: click.Parameter, value: bool) -> None:
    """The version, and which botocore models (and so which API versions) the server serves."""
    if not value or context.resilient_parsing:
        return
    import botocore

    from lakehose.gateway.catalog import default_catalog

    catalog = default_catalog()
    console.print(f"lakehose {__version__}", highlight=False)
    console.print(f"botocore {botocore.__version__} service models:", highlight=False)
    for service, api_version in catalog.model_versions().items():
        protocols = ", ".join(catalog.protocols(service))
        console.print(f"  {service:<10} {api_version}  {protocols}", highlight=False)
    context.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and the service models served, then exit.",
)
def cli() -> None:
    """lakehose: DynamoDB, Kinesis, Firehose, S3, Lambda, Glue and Athena on your machine."""


@cli.command()
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1, loopback only).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 4566; 0 = any).")
@options.home()
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    help="Also serve requests for this host name (repeatable; *.suffix for subdomains).",
)
@click.option(
    "--allow-origin",
    "allow_origins",
    multiple=True,
    help="Also serve browser pages from this origin, e.g. http://app.test:3000 (repeatable).",
)
@click.option(
    "--durability",
    type=click.Choice(["normal", "full"]),
    default=None,
    help="What an acknowledged write survives: normal (the process's death; default) or full "
    "(a power cut too, at an fsync per write). See docs/durability.md.",
)
def up(
    host: str | None,
    port: int | None,
    home: Path | None,
    allow_hosts: tuple[str, ...],
    allow_origins: tuple[str, ...],
    durability: str | None,
) -> None:
    """Serve the AWS APIs on one port until interrupted."""
    from lakehose.gateway.server import bind, endpoint_for
    from lakehose.runtime import Lakehose

    settings = _settings(
        home=home,
        host=host,
        port=port,
        allowed_hosts=allow_hosts or None,
        allowed_origins=allow_origins or None,
        durability=durability,
    )
    runtime = Lakehose(settings=settings)
    with reported_failures():
        runtime.start()
    try:
        sock = bind(settings.host, settings.port)
    except OSError as error:
        runtime.close()
        fail(f"cannot listen on {settings.host}:{settings.port}: {error}")
    endpoint = endpoint_for(sock)
    bound_host, bound_port = sock.getsockname()[:2]
    warning = admin.network_warning(bound_host, bound_port, settings)
    if warning is not None:
        errors.print(warning, highlight=False)
    services = ", ".join(s for s, state in runtime.health().items() if state != "unavailable")
    shown = endpoint
    if warning is not None and bound_host in ("0.0.0.0", "::"):
        # Every interface: the banner names the real binding, not only the local endpoint.
        shown = f"{bound_host}:{bound_port}, every interface (this machine: {endpoint})"
    console.print(f"lakehose {__version__} listening on {shown}", highlight=False)
    console.print(
        f"state directory: {runtime.state.path} (durability: {settings.durability})",
        highlight=False,
    )
    console.print(f"services: {services or 'none yet'}", highlight=False)
    console.print(
        f'try: boto3.client("kinesis", endpoint_url="{endpoint}", region_name='
        f'"{settings.region}", aws_access_key_id="test", aws_secret_access_key="test")',
        highlight=False,
        soft_wrap=True,
    )
    sys.stdout.flush()
    try:
        runtime.serve(sock)
    finally:
        runtime.close()
        console.print("lakehose stopped", highlight=False)


@cli.command()
@options.home()
@options.endpoint()
def status(home: Path | None, endpoint: str | None) -> None:
    """Ask the running server how it and each service are, and what each pipeline holds."""
    url = endpoint or _running_endpoint(home)
    health = _admin(url, "GET", "health")
    table = Table(title=f"lakehose {health.get('version', '?')} at {url}")
    table.add_column("service")
    table.add_column("state")
    for service, state in health.get("services", {}).items():
        table.add_row(service, state)
    console.print(table)
    pipeline_commands.show_pipelines(url, home)


@cli.command()
@options.home()
@options.endpoint()
def flush(home: Path | None, endpoint: str | None) -> None:
    """Deliver all buffered work of the running server now."""
    url = endpoint or _running_endpoint(home)
    _admin(url, "POST", "flush")
    console.print("flushed", highlight=False)


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except LakehoseError as error:
        fail(error, status=2)


def _running_endpoint(home: Path | None) -> str:
    from lakehose.cli.target import running_server

    settings = _settings(home=home)
    with reported_failures():
        url = running_server(settings)
    if url is None:
        fail(
            f"no lakehose server is running for {settings.home.resolve()}; start one with "
            "`lakehose up`, or pass --endpoint"
        )
    return url


def _admin(endpoint: str, method: str, action: str) -> dict[str, Any]:
    request = admin.admin_request(endpoint, method, action, _settings())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            document: dict[str, Any] = json.loads(response.read())
            return document
    except urllib.error.HTTPError as error:
        with error:
            refusal = error.read().decode()
        fail(f"lakehose at {endpoint} refused {action}: {refusal}")
    except (urllib.error.URLError, OSError) as error:
        fail(f"cannot reach lakehose at {endpoint}: {error}")


deploy_commands.register(cli)
pipeline_commands.register(cli)


def main() -> None:
    cli()
