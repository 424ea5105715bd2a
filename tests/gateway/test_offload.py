"""The edge's hand-off of engine calls to worker threads."""

from __future__ import annotations

import asyncio
import threading

import pytest

from lakehose.gateway.offload import Offload


def test_results_and_errors_come_back_to_the_awaiting_request() -> None:
    offload = Offload()

    async def scenario() -> tuple[int, str]:
        result = await offload.run(lambda value: value * 2, 21)
        with pytest.raises(KeyError) as raised:
            await offload.run(lambda key: {}[key], "missing")
        return result, str(raised.value)

    try:
        assert asyncio.run(scenario()) == (42, "'missing'")
    finally:
        offload.close()


def test_a_quick_call_never_waits_behind_a_blocked_one() -> None:
    # An Invoke can hold its worker until its handler's own call back into the server answers;
    # that call must get a thread of its own, even when both arrive in the same loop turn.
    offload = Offload(limit=4)
    release = threading.Event()
    names: list[str] = []

    def blocked(_: None) -> str:
        assert release.wait(timeout=30)
        return threading.current_thread().name

    def quick(_: None) -> str:
        release.set()
        return threading.current_thread().name

    async def scenario() -> None:
        await offload.run(lambda _: None, None)
        for _ in range(1000):  # until that worker is back waiting for a call
            if offload._idle:
                break
            await asyncio.sleep(0.01)
        names.extend(await asyncio.gather(offload.run(blocked, None), offload.run(quick, None)))

    try:
        asyncio.run(scenario())
    finally:
        offload.close()
    assert len(set(names)) == 2
    assert all(name.startswith("lakehose-request-") for name in names)


def test_workers_are_daemons_that_end_when_closed() -> None:
    offload = Offload(name="offload-test")

    async def scenario() -> bool:
        return await offload.run(lambda _: threading.current_thread().daemon, None)

    assert asyncio.run(scenario()) is True
    offload.close()
    for thread in threading.enumerate():
        if thread.name.startswith("offload-test-"):
            thread.join(timeout=10)
    assert not [t for t in threading.enumerate() if t.name.startswith("offload-test-")]
