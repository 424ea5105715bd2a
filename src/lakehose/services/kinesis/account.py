"""Account-level Kinesis operations: DescribeLimits, DescribeAccountSettings,
UpdateAccountSettings.

The minimum throughput billing commitment follows its documented rules: enabling starts it with
a 24-hour minimum (``EarliestAllowedEndAt``); disabling it before then schedules the end for that
moment (``ENABLED_UNTIL_EARLIEST_ALLOWED_END``) and enabling again cancels the schedule; disabling
later ends it at once (``EndedAt``). lakehose bills nothing: the commitment is only recorded.
"""

from __future__ import annotations

from typing import Any

import orjson

from lakehose.services.kinesis import store
from lakehose.services.kinesis.base import ON_DEMAND_STREAM_LIMIT, KinesisBase
from lakehose.services.kinesis.rows import timestamp

COMMITMENT_MINIMUM_MS = 86_400_000
_COMMITMENT = "minimum_throughput_billing_commitment"
_NONE = orjson.dumps({})


class AccountOperations(KinesisBase):
    def describe_limits(self) -> dict[str, Any]:
        with self.db.read() as connection:
            open_shards = store.open_shard_count(connection)
            on_demand = store.on_demand_stream_count(connection)
        return {
            "ShardLimit": self.shard_limit,
            "OpenShardCount": open_shards,
            "OnDemandStreamCount": on_demand,
            "OnDemandStreamCountLimit": ON_DEMAND_STREAM_LIMIT,
        }

    def describe_account_settings(self) -> dict[str, Any]:
        with self.db.transaction() as connection:
            state = orjson.loads(store.setting(connection, _COMMITMENT, _NONE))
        return {"MinimumThroughputBillingCommitment": self._commitment(state)}

    def update_account_settings(
        self, *, minimum_throughput_billing_commitment: dict[str, str]
    ) -> dict[str, Any]:
        wanted = minimum_throughput_billing_commitment["Status"]
        now = self._now_ms()
        with self.db.transaction() as connection:
            state: dict[str, int] = orjson.loads(store.setting(connection, _COMMITMENT, _NONE))
            active = "started" in state and ("ends" not in state or now < state["ends"])
            if wanted == "ENABLED" and not active:
                state = {"started": now}
            elif wanted == "ENABLED":
                state.pop("ends", None)  # cancels a scheduled end
            elif active and "ends" not in state:
                state["ends"] = max(now, state["started"] + COMMITMENT_MINIMUM_MS)
            store.put_setting(connection, _COMMITMENT, orjson.dumps(state))
        return {"MinimumThroughputBillingCommitment": self._commitment(state)}

    def _commitment(self, state: dict[str, int]) -> dict[str, Any]:
        if "started" not in state:
            return {"Status": "DISABLED"}
        now = self._now_ms()
        started = state["started"]
        shape: dict[str, Any] = {"StartedAt": timestamp(started)}
        ends = state.get("ends")
        if ends is not None and now >= ends:
            return {"Status": "DISABLED", **shape, "EndedAt": timestamp(ends)}
        earliest = started + COMMITMENT_MINIMUM_MS
        status = "ENABLED" if ends is None else "ENABLED_UNTIL_EARLIEST_ALLOWED_END"
        return {"Status": status, **shape, "EarliestAllowedEndAt": timestamp(earliest)}
