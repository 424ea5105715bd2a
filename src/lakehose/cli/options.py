"""The options several commands share, declared once: ``--home`` and ``--endpoint``.

Each is a decorator factory: the name, type and default are the same everywhere; ``help`` says
what the option means for the command at hand (the defaults fit most commands).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

HOME_HELP = "State directory."
ENDPOINT_HELP = "Server URL (default: the one serving --home)."
# Commands that open the home themselves when no server runs on it (cli.target).
ENDPOINT_OR_EMBEDDED_HELP = "Server URL (default: the one serving --home, else embedded)."


def home(help: str = HOME_HELP) -> Callable[[F], F]:
    """``--home DIR``: the state directory (default: ``Settings``' own, from the environment)."""
    return click.option("--home", type=click.Path(path_type=Path), default=None, help=help)


def endpoint(help: str = ENDPOINT_HELP) -> Callable[[F], F]:
    """``--endpoint URL``: the lakehose server to talk to."""
    return click.option("--endpoint", default=None, help=help)
