"""The Python worker: one subprocess per execution environment, running one function's handler.

It is started as a script, ``python <this file> <result fd>``, never with ``-m``: importing the
``lakehose`` package would cost every cold start the runtime's own imports, and the handler's
module namespace must not see ours. Only the standard library is imported here; the context
class is loaded from ``context.py`` next to this file under a private module name.

Life of a worker, as AWS's Python runtime (awslambdaric ``bootstrap.py``) lives it:

1. Init: import the handler named by ``_HANDLER`` from the task root (the code directory, on
   ``PYTHONPATH`` and the working directory). Report ``ready``, or ``init_error`` with the error
   document AWS returns (``Runtime.ImportModuleError`` and friends) and exit.
2. Loop: read an invocation from file descriptor 0 (header and payload frames), call the handler,
   write the result frames to the result descriptor. End when descriptor 0 reaches end of file.
   An invocation that runs out of memory (an allocation over the sandbox's data limit) reports
   ``oom`` instead of a result, and the engine ends the worker as AWS's OOM killer would.

The worker runs under its sandbox (``sandbox_main``), which kills it and everything it started
when the engine ends it or the runtime's process dies.

stdout and stderr go to the log file the engine reads after each invocation; they are unbuffered,
as on AWS, so what a handler printed before a timeout or a crash is still in the log.

Frames are a 4-byte big-endian length followed by that many bytes; headers are JSON objects.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import struct
import sys
import time
import traceback
from collections.abc import Callable
from types import ModuleType, TracebackType
from typing import Any

_LENGTH = struct.Struct(">I")
# AWS writes error reports with these (awslambdaric ``bootstrap.py``): each traceback line's
# leading spaces become no-break spaces, so a log viewer keeps the report's indentation.
_ERROR_LOG_INDENT = "\u00a0"
_LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)

_request_id = ""


# -- frames (also used by the engine's side of the pipe) ----------------------------------------


def encode_frame(data: bytes) -> bytes:
    return _LENGTH.pack(len(data)) + data


def frame_length(header: bytes) -> int:
    return int(_LENGTH.unpack(header)[0])


FRAME_HEADER_SIZE = _LENGTH.size


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = os.read(fd, size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _read_frame(fd: int) -> bytes | None:
    header = _read_exactly(fd, FRAME_HEADER_SIZE)
    if header is None:
        return None
    return _read_exactly(fd, frame_length(header))


def _send(fd: int, header: dict[str, Any], payload: bytes | None = None) -> None:
    # Flushed first: the engine reads the log as soon as the result arrives.
    sys.stdout.flush()
    sys.stderr.flush()
    data = encode_frame(json.dumps(header).encode())
    if payload is not None:
        data += encode_frame(payload)
    _write(fd, data)


# -- AWS's runtime behaviour --------------------------------------------------------------------


class FaultException(Exception):
    """A runtime-level failure, reported with an ``errorType`` of AWS's ``Runtime.*`` family."""

    def __init__(self, exception_type: str, msg: str, trace: list[str] | None = None) -> None:
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


class Unbuffered:
    """awslambdaric's stdout/stderr wrapper: every write is flushed at once."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)

    def write(self, text: str) -> int:
        written = int(self.stream.write(text))
        self.stream.flush()
        return written

    def writelines(self, lines: Any) -> None:
        self.stream.writelines(lines)
        self.stream.flush()


def make_error(
    message: str, error_type: str, stack_trace: list[str] | None, request_id: str | None = None
) -> dict[str, Any]:
    """The error document of a failed invocation, keys in AWS's order."""
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace or [],
    }


def user_error(
    error: BaseException, traceback_: TracebackType | None, request_id: str | None = None
) -> dict[str, Any]:
    """An exception from user code, its traceback starting at the first frame outside this file."""
    # Plain tuples, as awslambdaric passes them: no column positions, so no ``^^^`` markers.
    frames = [(f.filename, f.lineno or 0, f.name, f.line) for f in traceback.extract_tb(traceback_)]
    ours = os.path.abspath(__file__)
    while frames and os.path.abspath(frames[0][0]) == ours:
        frames = frames[1:]
    return make_error(str(error), type(error).__name__, traceback.format_list(frames), request_id)


def log_error(error: dict[str, Any]) -> None:
    """The ``[ERROR]`` report AWS's runtime writes to the log for a failed invocation."""
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description]
    stack = error.get("stackTrace")
    if stack is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                lines.append(_ERROR_LOG_INDENT * (len(line) - len(stripped)) + stripped)
    sys.stdout.write("\n".join(lines) + "\n")


def load_handler(handler: str) -> Callable[[Any, Any], Any]:
    """The handler function ``module.function`` names, failing as awslambdaric fails."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as error:
        raise FaultException(
            "Runtime.MalformedHandlerName", f"Bad handler '{handler}': {error}"
        ) from None
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                "Runtime.BuiltInModuleConflict",
                f"Cannot use built-in module {module_name} as a handler module",
            )
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise FaultException(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from None
    except SyntaxError as error:
        trace = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        raise FaultException(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {error}",
            trace,
        ) from None
    try:
        function: Callable[[Any, Any], Any] = getattr(module, function_name)
    except AttributeError:
        raise FaultException(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        ) from None
    return function


def _json_default(value: Any) -> Any:
    # AWS's marshaller writes Decimals as numbers (simplejson's raw JSON); floats come closest.
    # Not imported up front: a value can only be a Decimal if the handler imported decimal.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def marshal_response(response: Any) -> bytes:
    if isinstance(response, bytes):
        return response
    try:
        # Python 3.12's runtime alone writes non-ASCII characters as they are.
        ascii_only = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12"
        return json.dumps(response, default=_json_default, ensure_ascii=ascii_only).encode()
    except Exception as error:
        raise FaultException(
            "Runtime.MarshalError", f"Unable to marshal response: {error}"
        ) from None


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _request_id
        return True


def _setup_logging() -> None:
    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.terminator = ""  # the format ends in a newline of its own, as AWS's does
    handler.setFormatter(logging.Formatter(_LOG_FORMAT, "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


# -- the worker ---------------------------------------------------------------------------------


def _load_context_class() -> Any:
    if __package__:
        from lakehose.services.awslambda.context import LambdaContext

        return LambdaContext
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "context.py")
    spec = importlib.util.spec_from_file_location("_lakehose_lambda_context", path)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LambdaContext


def _initialize(results: int) -> Callable[[Any, Any], Any] | None:
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except Exception as error:
        if isinstance(error, FaultException):
            report = make_error(error.msg, error.exception_type, error.trace)
        else:
            report = user_error(error, error.__traceback__)
        logging.warning(_UNHANDLED_WARNING)
        log_error(report)
        _send(results, {"type": "init_error"}, json.dumps(report).encode())
        return None
    _send(results, {"type": "ready"})
    return handler


class _OutOfMemory(Exception):
    """An allocation failed: the sandbox's data limit was reached (AWS's OOM killer's cue)."""


def _invoke(
    handler: Callable[[Any, Any], Any], context_class: Any, header: dict[str, Any], payload: bytes
) -> tuple[bytes, bool]:
    """The response body and whether it is an error document; ``_OutOfMemory`` when the
    invocation ran out of memory, which on AWS ends the runtime instead of raising."""
    global _request_id
    request_id = str(header["request_id"])
    _request_id = request_id
    deadline = int(time.time() * 1000) + int(header["timeout_ms"])
    try:
        context = context_class(
            request_id, header.get("client_context"), deadline, header["invoked_function_arn"]
        )
        try:
            event = json.loads(payload)
        except ValueError as error:
            raise FaultException(
                "Runtime.UnmarshalError", f"Unable to unmarshal input: {error}"
            ) from None
        return marshal_response(handler(event, context)), False
    except FaultException as fault:
        report = make_error(fault.msg, fault.exception_type, fault.trace, request_id)
    except MemoryError:
        raise _OutOfMemory from None
    except Exception as error:
        report = user_error(error, error.__traceback__, request_id)
    log_error(report)
    return json.dumps(report).encode(), True


def _max_memory_mb() -> int:
    """Peak resident memory of this process (``Max Memory Used``)."""
    try:
        # VmHWM is this program's own peak; ru_maxrss would include the parent's at fork time.
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return -(-int(line.split()[1]) // 1024)
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return int(peak // (1024 * 1024 if sys.platform == "darwin" else 1024))


def main(argv: list[str]) -> int:
    results = int(argv[0])
    requests = os.dup(0)
    # The handler must not read the engine's requests: its stdin is /dev/null, as on AWS.
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    _setup_logging()
    context_class = _load_context_class()
    handler = _initialize(results)
    if handler is None:
        return 1
    while True:
        header = _read_frame(requests)
        payload = _read_frame(requests) if header is not None else None
        if header is None or payload is None:
            return 0
        try:
            body, failed = _invoke(handler, context_class, json.loads(header), payload)
        except _OutOfMemory:
            # The engine has the sandbox end this worker, as AWS ends one out of memory.
            _send(results, {"type": "oom"})
            return 1
        _send(results, {"type": "result", "error": failed, "memory_mb": _max_memory_mb()}, body)


if __name__ == "__main__":
    # Our own directory must not shadow the handler's modules (``context``, ``errors``...).
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != _here]
    sys.exit(main(sys.argv[1:]))
