"""Exactly once under ``kill -9``: a delivering runtime killed at random points, 30 times, still
puts every acknowledged Kinesis record in exactly one object.

Each round forks a child process that opens the state directory (a full runtime with its
background worker, so the Kinesis reader, sealing and S3 writes all run on their own) and writes
records to the source stream through the Kinesis engine, reporting each acknowledged batch over
a pipe. The child dies by SIGKILL either at a crash site picked at random (a tripwire sends the
signal to itself right before or after the n-th call of a step of the commit order, so every
step is hit, whatever the machine's speed) or, if it gets there first, from the parent at a
random moment. Fork keeps a round cheap: the child inherits the imported modules. At the end the
parent opens the directory, flushes, and counts every line of every object.
"""

from __future__ import annotations

import gzip
import importlib
import multiprocessing
import os
import random
import signal
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from lakehose import Lakehose
from lakehose.services.kinesis import KinesisEngine
from lakehose.services.s3 import S3Engine
from tests.firehose.conftest import ROLE, destination

ROUNDS = 30
PER_ROUND = 400  # record numbers reserved per round; a round writes as many as it has time for
BATCH = 10
# (where, function, before or after the call): the steps of ``delivery``'s commit order.
CRASH_SITES = [
    ("lakehose.services.firehose.store", "set_checkpoint", "after"),  # in the ingest transaction
    ("lakehose.services.firehose.source:KinesisReader", "poll", "after"),  # ingest committed
    ("lakehose.services.firehose.store", "insert_batch", "after"),  # in the seal transaction
    ("lakehose.services.firehose.delivery:Deliverer", "deliver", "before"),  # sealed, unwritten
    ("lakehose.wiring.firehose:S3Sink", "put_object_bytes", "after"),  # written, not in ledger
    ("lakehose.services.firehose.store", "mark_delivered", "after"),  # in the ledger transaction
    ("lakehose.services.firehose.delivery:Deliverer", "deliver", "after"),  # delivered
]


def _record(number: int) -> bytes:
    return f"record-{number:06d}\n".encode()


def _tripwire(site: tuple[str, str, str], nth: int) -> None:
    """Make this process kill itself before or after the ``nth`` call of the site's function."""
    where, function, when = site
    module_name, _, class_name = where.partition(":")
    owner: Any = importlib.import_module(module_name)
    if class_name:
        owner = getattr(owner, class_name)
    original = getattr(owner, function)
    calls = 0

    def wired(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == nth and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if calls == nth and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, function, wired)


def _child(home: Path, start: int, site: tuple[str, str, str], nth: int, acks: Connection) -> None:
    """Deliver (background worker) and write records until killed."""
    _tripwire(site, nth)
    lake = Lakehose(home=home, background=True).start()
    kinesis = lake.engine("kinesis")
    assert isinstance(kinesis, KinesisEngine)
    acks.send(-1)  # up: the parent picks its moment from now
    for first in range(start, start + PER_ROUND, BATCH):
        records = [
            {"PartitionKey": str(n), "Data": _record(n)} for n in range(first, first + BATCH)
        ]
        kinesis.put_records(stream_name="source", records=records)
        acks.send(first + BATCH)  # every record below this number is acknowledged
        time.sleep(0.01)
    while True:
        time.sleep(1)


def _setup(home: Path) -> None:
    with Lakehose(home=home, background=False) as lake:
        lake.client("s3").create_bucket(Bucket="lake")
        lake.client("kinesis").create_stream(StreamName="source", ShardCount=2)
        lake.client("firehose").create_delivery_stream(
            DeliveryStreamName="hose",
            DeliveryStreamType="KinesisStreamAsSource",
            KinesisStreamSourceConfiguration={
                "KinesisStreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/source",
                "RoleARN": ROLE,
            },
            ExtendedS3DestinationConfiguration=destination(
                "lake",
                CompressionFormat="GZIP",
                BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0},
            ),
        )


def _delivered(home: Path) -> Counter[bytes]:
    with Lakehose(home=home, background=False) as lake:
        lake.flush()
        s3 = lake.engine("s3")
        assert isinstance(s3, S3Engine)
        lines: Counter[bytes] = Counter()
        for summary in s3.list_keys("lake"):
            lines.update(gzip.decompress(s3.get_object_bytes("lake", summary.key)).splitlines(True))
        return lines


@pytest.mark.slow
def test_kill_9_at_random_points_delivers_every_record_exactly_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _setup(home)
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    context = multiprocessing.get_context("fork")
    acknowledged: set[int] = set()
    attempted: set[int] = set()
    for round_number in range(ROUNDS):
        start = round_number * PER_ROUND
        receiver, sender = context.Pipe(duplex=False)
        site, nth = rng.choice(CRASH_SITES), rng.randint(1, 3)
        child = context.Process(target=_child, args=(home, start, site, nth, sender), daemon=True)
        child.start()
        sender.close()
        assert receiver.poll(60), f"round {round_number}: the child neither came up nor died"
        try:
            receiver.recv()  # up: give it a random while (the tripwire may go off first)
            child.join(rng.uniform(0.0, 1.0))
        except EOFError:
            pass  # the tripwire went off while the runtime started

        if child.is_alive():
            os.kill(child.pid or 0, signal.SIGKILL)
        child.join()
        acked_up_to = start
        while receiver.poll():
            try:
                acked_up_to = max(acked_up_to, receiver.recv())
            except EOFError:
                break
        acknowledged.update(range(start, acked_up_to))
        attempted.update(range(start, min(acked_up_to + BATCH, start + PER_ROUND)))
    delivered = _delivered(home)
    message = f"seed {seed}"
    assert acknowledged, message
    duplicates = [line for line, count in delivered.items() if count > 1]
    assert not duplicates, f"{message}: delivered twice: {duplicates[:5]}"
    missing = [n for n in sorted(acknowledged) if delivered[_record(n)] != 1]
    assert not missing, f"{message}: acknowledged but not delivered: {missing[:5]}"
    unexpected = set(delivered) - {_record(n) for n in attempted}
    assert not unexpected, f"{message}: delivered but never written: {sorted(unexpected)[:5]}"
