"""How a command reports a failure it expected: one red line on stderr and exit status 1.

A traceback is for bugs. A missing table, a refused request or a locked home is the user's to fix,
so it is printed as what it is: the lakehose error, or the AWS error code and message.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from rich.console import Console

from lakehose.errors import LakehoseError

errors = Console(stderr=True, soft_wrap=True)

# What to do about an AWS error code a pipeline command commonly meets.
_NOT_DEPLOYED = "is the stack deployed? lakehose deploy examples/heartrate/cdk.out"
HINTS = {"ResourceNotFoundException": _NOT_DEPLOYED, "EntityNotFoundException": _NOT_DEPLOYED}


def fail(message: object, *, hint: str | None = None, status: int = 1) -> NoReturn:
    """Print ``error: message`` (and what to do about it) on stderr and exit with ``status``."""
    errors.print(f"[red]error:[/red] {message}", highlight=False)
    if hint:
        errors.print(hint, highlight=False)
    sys.exit(status)


@contextmanager
def reported_failures() -> Iterator[None]:
    """Report the failures a command expects with :func:`fail` (usage errors pass to click)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except LakehoseError as error:
        fail(error)
    except ClientError as error:
        detail = error.response.get("Error", {})
        code = detail.get("Code", "?")
        fail(f"{code}: {detail.get('Message', '')}", hint=HINTS.get(code))
    except BotoCoreError as error:
        fail(error)
