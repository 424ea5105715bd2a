"""How a command reports a failure it expected: one red line on stderr and exit status 1.

A traceback is for bugs. A missing table, a refused request or a locked home is the user's to fix,
so it is printed as what it is: the lakehose error, or the AWS error code and message.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from lakehose.errors import LakehoseError

errors = Console(stderr=True, soft_wrap=True)

# What to do about an AWS error code a pipeline command commonly meets.
_NOT_DEPLOYED = "is the stack deployed? lakehose deploy examples/heartrate/cdk.out"
HINTS = {"ResourceNotFoundException": _NOT_DEPLOYED, "EntityNotFoundException": _NOT_DEPLOYED}


@contextmanager
def reported_failures() -> Iterator[None]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except LakehoseError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False)
        sys.exit(1)
    except ClientError as error:
        detail = error.response.get("Error", {})
        code = detail.get("Code", "?")
        errors.print(f"[red]error:[/red] {code}: {detail.get('Message', '')}", highlight=False)
        if hint := HINTS.get(code):
            errors.print(hint, highlight=False)
        sys.exit(1)
    except BotoCoreError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False)
        sys.exit(1)
