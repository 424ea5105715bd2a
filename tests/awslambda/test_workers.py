"""Worker processes: reuse, replacement after a kill or a crash, concurrency limits, idle reaping,
Node.js, and no process outliving the runtime."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.awslambda.conftest import (
    NO_RETRIES,
    ROLE,
    FunctionFactory,
    error_code,
    error_message,
    log_tail,
    process_gone,
    request_id_of,
    wait_for,
    zip_of,
)
from tests.conftest import ServerProcess

PID = """
import os
def handler(event, context):
    return os.getpid()
"""

CRASHES = """
import os, signal
def handler(event, context):
    if event.get("exit") is not None:
        os._exit(event["exit"])
    if event.get("kill"):
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()
"""

BLOCKS = """
import os, pathlib, time
def handler(event, context):
    pathlib.Path(event["started"]).write_text(str(os.getpid()))
    while not os.path.exists(event["release"]):
        time.sleep(0.01)
    return "released"
"""

SPAWNS = """
import os, subprocess
def handler(event, context):
    child = subprocess.Popen(["sleep", "300"])
    return [os.getpid(), child.pid]
"""

NODE = """
export const handler = async (event, context) => {
  console.log("node says", event.word);
  if (event.fail) throw new TypeError("bad type");
  const left = context.getRemainingTimeInMillis() > 0;
  return { word: event.word, requestId: context.awsRequestId, left };
};
"""

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def busy_workers(client: Any, tmp_path: Path, spawner: str) -> list[int]:
    """Run ``spawner`` (a handler returning its pid and its child's) and, in an Event
    invocation, a handler that blocks: the pids of both workers and of the child."""
    for function, source in (("spawner", spawner), ("blocks", BLOCKS)):
        client.create_function(
            FunctionName=function,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": zip_of({"app.py": source})},
            Timeout=300,
        )
    pids: list[int] = invoke(client, "spawner")[0]
    started = tmp_path / "started"
    event = {"started": str(started), "release": str(tmp_path / "never")}
    client.invoke(FunctionName="blocks", InvocationType="Event", Payload=json.dumps(event))
    # The handler creates the file, then writes its pid: wait for the pid itself.
    wait_for(
        lambda: started.exists() and started.read_text().strip().isdigit(),
        "the event invocation to start",
    )
    return [*pids, int(started.read_text())]


def invoke(client: Any, function: str, event: Any = None) -> Any:
    response = client.invoke(FunctionName=function, Payload=json.dumps(event or {}))
    return json.loads(response["Payload"].read()), response.get("FunctionError")


def test_a_warm_worker_is_reused(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function(PID)
    first, _ = invoke(lam, function)
    second, _ = invoke(lam, function)
    assert first == second


def test_a_killed_worker_is_replaced(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function(PID)
    pid, _ = invoke(lam, function)
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: process_gone(pid), "the worker to die")
    replacement, error = invoke(lam, function)
    assert error is None
    assert replacement != pid


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"exit": 3}, "Runtime exited with error: exit status 3"),
        ({"exit": 0}, "Runtime exited without providing a reason"),
        ({"kill": True}, "Runtime exited with error: signal: killed"),
    ],
    ids=["exit-status", "exit-zero", "signal"],
)
def test_a_crashing_runtime_fails_the_invocation_only(
    lam: Any, make_function: FunctionFactory, event: dict[str, Any], reason: str
) -> None:
    function = make_function(CRASHES)
    before, _ = invoke(lam, function)
    response = lam.invoke(FunctionName=function, Payload=json.dumps(event), LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    rid = request_id_of(response)
    assert json.loads(response["Payload"].read()) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {rid} Error: {reason}",
    }
    wait_for(lambda: process_gone(before), "the crashed worker to be gone")
    after, error = invoke(lam, function)
    assert error is None
    assert after != before


def test_reserved_concurrency_zero_throttles(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function()
    assert (
        lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=0)[
            "ReservedConcurrentExecutions"
        ]
        == 0
    )
    with pytest.raises(ClientError) as error:
        lam.invoke(FunctionName=function)
    assert error_code(error) == "TooManyRequestsException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error_message(error) == "Rate Exceeded."
    assert error.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    lam.delete_function_concurrency(FunctionName=function)
    assert invoke(lam, function) == ({}, None)


def test_reserved_concurrency_bounds_simultaneous_invocations(
    lam: Any, make_function: FunctionFactory, tmp_path: Path
) -> None:
    function = make_function(BLOCKS, Timeout=120)
    lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=1)
    started, release = tmp_path / "started", tmp_path / "release"
    event = {"started": str(started), "release": str(release)}
    results: list[Any] = []
    first = threading.Thread(target=lambda: results.append(invoke(lam, function, event)))
    first.start()
    try:
        wait_for(started.exists, "the first invocation to start")
        with pytest.raises(ClientError) as error:
            invoke(lam, function, event)
        assert error_code(error) == "TooManyRequestsException"
        assert error.value.response["Reason"] == (
            "ReservedFunctionConcurrentInvocationLimitExceeded"
        )
    finally:
        release.touch()
        first.join(timeout=120)
    assert results == [("released", None)]


def test_the_per_function_pool_cap_throttles(tmp_path: Path) -> None:
    options = {"lambda.max_concurrency_per_function": 0}
    with Lakehose(home=tmp_path / "home", background=False, options=options) as lake:
        client = lake.client("lambda", config=NO_RETRIES)
        client.create_function(
            FunctionName="capped",
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": zip_of({"app.py": PID})},
        )
        with pytest.raises(ClientError) as error:
            client.invoke(FunctionName="capped")
        assert error_code(error) == "TooManyRequestsException"
        assert error.value.response["Reason"] == "ConcurrentInvocationLimitExceeded"


def test_idle_workers_are_stopped_by_the_clock(
    lake: Lakehose, lake_lambda: Any, lake_function: FunctionFactory
) -> None:
    function = lake_function(PID)
    pid, _ = invoke(lake_lambda, function)
    lake.advance(599)
    assert invoke(lake_lambda, function)[0] == pid
    lake.advance(601)
    wait_for(lambda: process_gone(pid), "the idle worker to be stopped")
    assert invoke(lake_lambda, function)[0] != pid


def test_closing_the_runtime_leaves_no_process_behind(tmp_path: Path) -> None:
    lake = Lakehose(home=tmp_path / "home", background=False).start()
    try:
        client = lake.client("lambda", config=NO_RETRIES)
        pids = busy_workers(client, tmp_path, SPAWNS)
        assert not any(process_gone(pid) for pid in pids)
    finally:
        lake.close()
    for pid in pids:
        wait_for(lambda pid=pid: process_gone(pid), f"process {pid} to be gone")


def test_stopping_the_server_leaves_no_process_behind(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "home")
    try:
        client = server.client("lambda", config=NO_RETRIES)
        client.create_function(
            FunctionName="spawns",
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": zip_of({"app.py": SPAWNS})},
        )
        pids, _ = invoke(client, "spawns")
    finally:
        assert server.stop() == 0
    for pid in pids:
        wait_for(lambda pid=pid: process_gone(pid), f"process {pid} to be gone")


@needs_node
def test_node_functions_run_under_node(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function(
        handler="index.handler", files={"index.mjs": NODE}, Runtime="nodejs20.x"
    )
    response = lam.invoke(FunctionName=function, Payload=b'{"word": "hi"}', LogType="Tail")
    assert json.loads(response["Payload"].read()) == {
        "word": "hi",
        "requestId": request_id_of(response),
        "left": True,
    }
    log = log_tail(response)
    assert f"\t{request_id_of(response)}\tINFO\tnode says hi\n" in log
    failed = lam.invoke(FunctionName=function, Payload=b'{"fail": true}')
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("TypeError", "bad type")
    assert error["trace"][0] == "TypeError: bad type"


def test_node_functions_without_node_fail_clearly(tmp_path: Path) -> None:
    options = {"lambda.node_executable": str(tmp_path / "no-node-here")}
    with Lakehose(home=tmp_path / "home", background=False, options=options) as lake:
        client = lake.client("lambda", config=NO_RETRIES)
        client.create_function(
            FunctionName="js",
            Runtime="nodejs20.x",
            Role=ROLE,
            Handler="index.handler",
            Code={"ZipFile": zip_of({"index.mjs": NODE})},
        )
        with pytest.raises(ClientError) as error:
            client.invoke(FunctionName="js")
        assert error_code(error) == "InvalidRuntimeException"
        assert "not found" in error_message(error)


DAEMON = """
import os, subprocess
def handler(event, context):
    # A daemon in its own session: out of the worker's process group and session.
    child = subprocess.Popen(["sleep", "300"], start_new_session=True)
    return [os.getpid(), child.pid]
"""

DOUBLE_FORK = """
import os, pathlib, time
def handler(event, context):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            pathlib.Path(event["pidfile"]).write_text(str(os.getpid()))
            time.sleep(300)
        os._exit(0)
    while True:
        time.sleep(1)
"""

ALLOCATES = """
def handler(event, context):
    print("allocating", event["megabytes"], "MB")
    data = b"x" * (event["megabytes"] * 1024 * 1024)
    return len(data)
"""

TOUCHES = """
def handler(event, context):
    chunks = [bytearray(b"y" * (1024 * 1024)) for _ in range(event["megabytes"])]
    return len(chunks)
"""

FORKS = """
import os, time
def handler(event, context):
    children = []
    for _ in range(event["count"]):
        pid = os.fork()
        if pid == 0:
            time.sleep(300)
            os._exit(0)
        children.append(pid)
    time.sleep(event["wait"])
    return len(children)
"""


def test_a_timeout_kills_a_setsid_grandchild(
    lam: Any, make_function: FunctionFactory, tmp_path: Path
) -> None:
    function = make_function(DOUBLE_FORK, Timeout=2)
    pidfile = tmp_path / "daemon.pid"
    response = lam.invoke(FunctionName=function, Payload=json.dumps({"pidfile": str(pidfile)}))
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "Sandbox.Timedout"
    daemon = int(pidfile.read_text())
    wait_for(lambda: process_gone(daemon), "the double-forked daemon to be killed")


def test_a_crashed_worker_takes_its_daemons_along(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function(DAEMON)
    (worker, daemon), _ = invoke(lam, function)
    assert not process_gone(daemon)
    os.kill(worker, signal.SIGKILL)
    wait_for(lambda: process_gone(daemon), "the daemon of a killed worker to be killed")


@pytest.mark.parametrize("source", [ALLOCATES, TOUCHES], ids=["at-once", "page-by-page"])
def test_a_function_over_its_memory_size_fails_as_aws_reports_it(
    lam: Any, make_function: FunctionFactory, source: str
) -> None:
    function = make_function(source, MemorySize=128, Timeout=60)
    response = lam.invoke(
        FunctionName=function, Payload=json.dumps({"megabytes": 1024}), LogType="Tail"
    )
    rid = request_id_of(response)
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read()) == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: signal: killed",
    }
    log = log_tail(response)
    assert (
        f"RequestId: {rid} Error: Runtime exited with error: signal: killed\nRuntime.OutOfMemory\n"
    ) in log
    report = log[log.index("REPORT RequestId:") :]
    assert "\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t" in report
    assert report.endswith("\tStatus: error\tError Type: Runtime.OutOfMemory\t\n")
    # The next invocation gets a fresh worker, within the limit.
    expected = 1024 * 1024 if source == ALLOCATES else 1
    assert invoke(lam, function, {"megabytes": 1}) == (expected, None)


def test_a_function_within_its_memory_size_runs(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function(TOUCHES, MemorySize=256)
    assert invoke(lam, function, {"megabytes": 64}) == (64, None)


def test_the_processes_a_function_starts_are_bounded(
    lam: Any, make_function: FunctionFactory
) -> None:
    function = make_function(FORKS, Timeout=120, MemorySize=4096)
    assert invoke(lam, function, {"count": 3, "wait": 0}) == (3, None)
    response = lam.invoke(FunctionName=function, Payload=json.dumps({"count": 1100, "wait": 60}))
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "Runtime.ExitError"


def test_killing_the_server_leaves_no_worker_behind(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "home")
    pids: list[int] = []
    try:
        client = server.client("lambda", config=NO_RETRIES)
        pids = busy_workers(client, tmp_path, DAEMON)
        sandboxes = _children_of(server.process.pid)
        assert sandboxes
        assert not any(process_gone(pid) for pid in pids)
    finally:
        assert server.kill() == -signal.SIGKILL
    for pid in [*pids, *sandboxes]:
        wait_for(lambda pid=pid: process_gone(pid), f"process {pid} to be gone")


def _children_of(parent: int) -> list[int]:
    """The process table's children of ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry.name))
    return found
