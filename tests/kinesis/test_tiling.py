"""A Hypothesis state machine: any sequence of splits, merges and rescalings keeps the open shards
tiling 0 .. 2^128 - 1 exactly, keeps lineage intact, and routes every hash key to the one shard
that holds it. Driven against the engine directly (no HTTP), so hundreds of steps run quickly.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from lakehose.clock import ManualClock
from lakehose.ids import IdGenerator
from lakehose.services.engine import EngineEnvironment
from lakehose.services.kinesis import KinesisEngine

MAX_KEY = 2**128 - 1


def _range(shard: dict[str, Any]) -> tuple[int, int]:
    keys = shard["HashKeyRange"]
    return int(keys["StartingHashKey"]), int(keys["EndingHashKey"])


def test_resharding_keeps_the_hash_space_tiled(tmp_path: Path) -> None:
    clock = ManualClock()
    environment = EngineEnvironment(
        region="us-east-1",
        account_id="000000000000",
        clock=clock,
        ids=IdGenerator(1),
        directory=tmp_path,
        endpoint_url="http://localhost:4566",
    )
    engine = KinesisEngine(environment)
    engine.start()
    names = (f"tiling-{n}" for n in itertools.count())

    class Resharding(RuleBasedStateMachine):
        stream = ""

        @initialize(shards=st.integers(1, 5))
        def create(self, shards: int) -> None:
            self.stream = next(names)
            engine.create_stream(stream_name=self.stream, shard_count=shards)

        def all_shards(self) -> list[dict[str, Any]]:
            shards: list[dict[str, Any]] = []
            token = None
            while True:
                page = (
                    engine.list_shards(next_token=token)
                    if token
                    else engine.list_shards(stream_name=self.stream, max_results=7)
                )
                shards.extend(page["Shards"])
                token = page.get("NextToken")
                if token is None:
                    return shards

        def open_shards(self) -> list[dict[str, Any]]:
            shards = self.all_shards()
            return sorted(
                (s for s in shards if "EndingSequenceNumber" not in s["SequenceNumberRange"]),
                key=_range,
            )

        @precondition(lambda self: len(self.open_shards()) < 12)
        @rule(data=st.data())
        def split(self, data: st.DataObject) -> None:
            splittable = [s for s in self.open_shards() if _range(s)[1] - _range(s)[0] >= 3]
            if not splittable:
                return
            shard = data.draw(st.sampled_from(splittable))
            start, end = _range(shard)
            key = data.draw(st.integers(start + 2, end - 1))
            engine.split_shard(
                stream_name=self.stream,
                shard_to_split=shard["ShardId"],
                new_starting_hash_key=str(key),
            )
            clock.advance(0.5)

        @precondition(lambda self: len(self.open_shards()) > 1)
        @rule(data=st.data())
        def merge(self, data: st.DataObject) -> None:
            shards = self.open_shards()
            position = data.draw(st.integers(0, len(shards) - 2))
            # The adjacent shard is the one whose range follows: AWS refuses the inverted pair.
            first, second = shards[position], shards[position + 1]
            engine.merge_shards(
                stream_name=self.stream,
                shard_to_merge=first["ShardId"],
                adjacent_shard_to_merge=second["ShardId"],
            )
            clock.advance(0.5)

        @rule(data=st.data())
        def rescale(self, data: st.DataObject) -> None:
            current = len(self.open_shards())
            target = data.draw(st.integers(max(1, (current + 1) // 2), min(2 * current, 12)))
            engine.update_shard_count(
                stream_name=self.stream, target_shard_count=target, scaling_type="UNIFORM_SCALING"
            )
            width = 2**128 // target
            starts = [_range(s)[0] for s in self.open_shards()]
            assert starts == [width * i for i in range(target)]

        @rule(key=st.integers(0, MAX_KEY))
        def route(self, key: int) -> None:
            response = engine.put_record(
                stream_name=self.stream, partition_key="p", explicit_hash_key=str(key), data=b"r"
            )
            holders = [
                s["ShardId"] for s in self.open_shards() if _range(s)[0] <= key <= _range(s)[1]
            ]
            assert holders == [response["ShardId"]]

        @invariant()
        def open_shards_tile_the_space(self) -> None:
            if not self.stream:
                return
            ranges = [_range(s) for s in self.open_shards()]
            assert ranges[0][0] == 0
            assert ranges[-1][1] == MAX_KEY
            for (_, end), (start, _) in itertools.pairwise(ranges):
                assert start == end + 1

        @invariant()
        def lineage_is_intact(self) -> None:
            if not self.stream:
                return
            shards = {s["ShardId"]: s for s in self.all_shards()}
            halves: dict[str, list[tuple[int, int]]] = {}
            for shard in shards.values():
                keys = ("ParentShardId", "AdjacentParentShardId")
                parents = [shards[p] for key in keys if (p := shard.get(key))]
                child_start = int(shard["SequenceNumberRange"]["StartingSequenceNumber"])
                for parent in parents:
                    # Every number of a child comes after every number of its parents.
                    ending = parent["SequenceNumberRange"]["EndingSequenceNumber"]
                    assert int(ending) < child_start
                if len(parents) == 2:
                    # A merge's child covers exactly its two parents' ranges.
                    spans = sorted(_range(p) for p in parents)
                    assert spans[0][1] + 1 == spans[1][0]
                    assert (spans[0][0], spans[1][1]) == _range(shard)
                elif parents:
                    halves.setdefault(parents[0]["ShardId"], []).append(_range(shard))
            for parent_id, spans in halves.items():
                # A split's two children cover exactly their parent's range.
                low, high = sorted(spans)
                assert low[1] + 1 == high[0]
                assert (low[0], high[1]) == _range(shards[parent_id])

    try:
        run_state_machine_as_test(
            Resharding,
            settings=settings(
                max_examples=25,
                stateful_step_count=15,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        engine.close()
