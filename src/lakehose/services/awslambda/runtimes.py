"""Which runtimes lakehose runs, and how a worker for one is started: command and environment.

Python functions run under the interpreter that runs lakehose (``sys.executable``), whatever
``python3.x`` they declare: that interpreter has boto3, which AWS's Python runtimes provide too.
Node.js functions run under ``node`` when the machine has it.

The environment is built from nothing, as AWS builds it, not inherited from the runtime's
process: the variables AWS documents for its runtimes, then the function's own variables, with
``AWS_ENDPOINT_URL`` pointing at lakehose so that a handler's SDK calls stay local.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

from lakehose.services.awslambda import worker_main
from lakehose.services.awslambda.errors import InvalidParameterValueException
from lakehose.services.awslambda.store import FunctionRecord
from lakehose.settings import Credentials

PYTHON_RUNTIMES = (
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
)
NODE_RUNTIMES = ("nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x")
SUPPORTED_RUNTIMES = PYTHON_RUNTIMES + NODE_RUNTIMES

# Runtimes AWS no longer accepts for creating or updating functions.
DEPRECATED_RUNTIMES = frozenset(
    {
        "python2.7", "python3.6", "python3.7", "python3.8",
        "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x",
        "nodejs12.x", "nodejs14.x", "nodejs16.x",
        "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6",
        "ruby2.5", "ruby2.7", "go1.x", "java8", "provided",
    }
)  # fmt: skip

# Variables a function may not set (AWS's "reserved keys").
RESERVED_VARIABLES = frozenset(
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    }
)  # fmt: skip

_SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")

# AWS's limit on the environment variables' total size (their JSON, as AWS measures it).
VARIABLES_LIMIT = 4096


def check_runtime(runtime: str) -> None:
    """Refuse runtimes AWS has retired, and those lakehose cannot execute (no fake success)."""
    if runtime in DEPRECATED_RUNTIMES:
        family = NODE_RUNTIMES if runtime.startswith("nodejs") else PYTHON_RUNTIMES
        raise InvalidParameterValueException.deprecated_runtime(runtime, family[-1])
    if runtime not in SUPPORTED_RUNTIMES:
        raise InvalidParameterValueException(
            f"lakehose cannot run the runtime {runtime}; it runs {', '.join(SUPPORTED_RUNTIMES)}."
        )


def check_variables(variables: Mapping[str, str]) -> None:
    reserved = [key for key in variables if key in RESERVED_VARIABLES]
    if reserved:
        raise InvalidParameterValueException.reserved_variables(reserved)
    measured = orjson.dumps(dict(variables)).decode()
    if len(measured.encode()) > VARIABLES_LIMIT:
        raise InvalidParameterValueException.variables_too_large(measured)


def is_node(runtime: str) -> bool:
    return runtime.startswith("nodejs")


@dataclass(frozen=True)
class Launch:
    """How to start one worker: its command (the result descriptor is appended), env, cwd and
    the memory size its sandbox holds it to."""

    command: tuple[str, ...]
    environment: dict[str, str]
    task_root: Path
    memory_mb: int
    log_stream: str


def log_group(name: str) -> str:
    return f"/aws/lambda/{name}"


def launch(
    record: FunctionRecord,
    *,
    task_root: Path,
    region: str,
    credentials: Credentials | None,
    endpoint: str,
    log_stream: str,
    node_bootstrap: Path | None,
    node_executable: str,
) -> Launch:
    environment = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), *_SYSTEM_PATH]),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "_HANDLER": record.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{record.runtime}",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": record.name,
        "AWS_LAMBDA_FUNCTION_VERSION": record.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(record.memory_size),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group(record.name),
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_ACCESS_KEY_ID": credentials.access_key_id if credentials else "test",
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key if credentials else "test",
        "AWS_ENDPOINT_URL": endpoint,
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(Path(worker_main.__file__).parent),
    }
    if is_node(record.runtime):
        environment["NODE_PATH"] = str(task_root)
        assert node_bootstrap is not None
        command: tuple[str, ...] = (node_executable, str(node_bootstrap))
    else:
        # The handler's modules come first, as /var/task does on AWS; boto3 and the rest of the
        # interpreter's site-packages stay importable (AWS's runtimes ship boto3 too).
        environment["PYTHONPATH"] = str(task_root)
        command = (sys.executable, str(Path(worker_main.__file__).resolve()))
    # The function's own variables last: they may point AWS_ENDPOINT_URL elsewhere on purpose.
    environment.update(record.environment or {})
    return Launch(command, environment, task_root, record.memory_size, log_stream)
