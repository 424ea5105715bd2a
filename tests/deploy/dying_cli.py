"""``python -m lakehose ...`` that kills itself with SIGKILL once a chosen AWS call has answered.

    python tests/deploy/dying_cli.py WHEN lakehose-arguments...

``WHEN`` is ``N`` (the N-th API call of the process), ``Operation`` (the first call of that
operation, e.g. ``CreateFunction``) or ``never``. The kill comes after the answer arrived, the
worst moment for a client: the service has done the work and the client has not yet recorded
it. Every call is logged to stderr as ``call N Operation``, so a test can find its kill points.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
from typing import Any

import botocore.client


def main() -> None:
    when, arguments = sys.argv[1], sys.argv[2:]
    calls = 0
    original = botocore.client.BaseClient._make_api_call

    def counted(self: botocore.client.BaseClient, operation: str, params: Any) -> Any:
        nonlocal calls
        try:
            return original(self, operation, params)
        finally:
            calls += 1
            print(f"call {calls} {operation}", file=sys.stderr, flush=True)
            if when in (str(calls), operation):
                os.kill(os.getpid(), signal.SIGKILL)

    botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]
    sys.argv = ["lakehose", *arguments]
    runpy.run_module("lakehose", run_name="__main__")


if __name__ == "__main__":
    main()
