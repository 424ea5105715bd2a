"""Table metadata: key schema, indexes, billing, streams, TTL, tags and Kinesis destinations.

A table's metadata is one JSON document in the store (``TableMeta.to_json``); items live in their
own rows. ``describe`` renders AWS's ``TableDescription`` from it, with the counts the store
computes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from lakehose.services.dynamodb.keys import KeyAttribute, KeySchema
from lakehose.services.dynamodb.statuses import DestinationStatus, IndexStatus, TableStatus

Item = dict[str, Any]

# What DescribeTable reports as a new table's warm throughput (AWS's defaults for new tables).
WARM_READ_UNITS = 12_000
WARM_WRITE_UNITS = 4_000


@dataclass
class Throughput:
    read: int
    write: int
    decreases_today: int = 0
    last_increase: float | None = None
    last_decrease: float | None = None

    def describe(self) -> dict[str, Any]:
        shape: dict[str, Any] = {
            "NumberOfDecreasesToday": self.decreases_today,
            "ReadCapacityUnits": self.read,
            "WriteCapacityUnits": self.write,
        }
        if self.last_increase is not None:
            shape["LastIncreaseDateTime"] = _moment(self.last_increase)
        if self.last_decrease is not None:
            shape["LastDecreaseDateTime"] = _moment(self.last_decrease)
        return shape


@dataclass
class IndexMeta:
    """A global or local secondary index."""

    name: str
    kind: str  # "GSI" or "LSI"
    schema: KeySchema
    projection_type: str  # ALL, KEYS_ONLY or INCLUDE
    non_key_attributes: list[str] = field(default_factory=list)
    throughput: Throughput | None = None  # a GSI of a PROVISIONED table
    on_demand: dict[str, int] | None = None

    def projected_names(self, table_schema: KeySchema) -> frozenset[str] | None:
        """The attributes an index row keeps; ``None`` for ALL."""
        if self.projection_type == "ALL":
            return None
        names = set(table_schema.names) | set(self.schema.names)
        if self.projection_type == "INCLUDE":
            names |= set(self.non_key_attributes)
        return frozenset(names)

    def project(self, item: Item, table_schema: KeySchema) -> Item:
        names = self.projected_names(table_schema)
        if names is None:
            return item
        return {name: value for name, value in item.items() if name in names}

    def describe_projection(self) -> dict[str, Any]:
        projection: dict[str, Any] = {"ProjectionType": self.projection_type}
        if self.projection_type == "INCLUDE":
            projection["NonKeyAttributes"] = list(self.non_key_attributes)
        return projection


# Destination states that settle once the engine's transition delay has passed.
_TRANSITIONS = frozenset(
    {DestinationStatus.ENABLING, DestinationStatus.DISABLING, DestinationStatus.UPDATING}
)
# Destination states in which table changes flow to the stream.
_CAPTURING = frozenset(
    {DestinationStatus.ENABLING, DestinationStatus.ACTIVE, DestinationStatus.UPDATING}
)


@dataclass
class Destination:
    """A Kinesis streaming destination and where its state machine stands.

    ``status`` is the state entered at ``since_ms``; transitional states (ENABLING, DISABLING,
    UPDATING) settle once the engine's transition delay has passed by the clock.
    """

    stream_arn: str
    status: DestinationStatus
    since_ms: int
    precision: str | None = None
    failure: str | None = None

    def __post_init__(self) -> None:
        self.status = DestinationStatus(self.status)  # as stored: a plain string

    def current(self, now_ms: int, delay_ms: int) -> DestinationStatus:
        if self.status not in _TRANSITIONS or now_ms < (self.since_ms + delay_ms):
            return self.status
        if self.status == DestinationStatus.DISABLING:
            return DestinationStatus.DISABLED
        return DestinationStatus.ENABLE_FAILED if self.failure else DestinationStatus.ACTIVE

    @property
    def captures(self) -> bool:
        """Whether table changes flow to the stream (from the moment Enable was accepted)."""
        return self.failure is None and self.status in _CAPTURING

    def describe(self, now_ms: int, delay_ms: int) -> dict[str, Any]:
        status = self.current(now_ms, delay_ms)
        shape: dict[str, Any] = {"StreamArn": self.stream_arn, "DestinationStatus": status}
        if self.failure and status == DestinationStatus.ENABLE_FAILED:
            shape["DestinationStatusDescription"] = self.failure
        if self.precision is not None:
            shape["ApproximateCreationDateTimePrecision"] = self.precision
        return shape


@dataclass
class TableMeta:
    name: str
    table_id: str
    arn: str
    created: float
    schema: KeySchema
    attribute_definitions: list[dict[str, str]]
    billing_mode: str
    billing_explicit: bool
    throughput: Throughput
    indexes: list[IndexMeta] = field(default_factory=list)
    billing_switched: float | None = None
    stream: dict[str, Any] | None = None
    stream_label: str | None = None
    sse: dict[str, Any] | None = None
    table_class: str | None = None
    deletion_protection: bool = False
    on_demand: dict[str, int] | None = None
    tags: dict[str, str] = field(default_factory=dict)
    ttl_attribute: str | None = None
    ttl_enabled: bool = False
    destinations: list[Destination] = field(default_factory=list)
    pitr_since: float | None = None  # point-in-time recovery enabled at (None: disabled)
    pitr_days: int | None = None
    table_class_updated: float | None = None

    # -- lookups ------------------------------------------------------------------------------

    def index(self, name: str) -> IndexMeta | None:
        return next((index for index in self.indexes if index.name == name), None)

    def attribute_type(self, name: str) -> str:
        return next(
            d["AttributeType"] for d in self.attribute_definitions if d["AttributeName"] == name
        )

    def capturing_destination(self) -> Destination | None:
        return next((d for d in self.destinations if d.captures), None)

    def index_arn(self, index: IndexMeta) -> str:
        return f"{self.arn}/index/{index.name}"

    # -- persistence --------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TableMeta:
        fields = dict(data)
        fields["schema"] = _schema(fields["schema"])
        fields["throughput"] = Throughput(**fields["throughput"])
        fields["indexes"] = [
            IndexMeta(
                **{
                    **index,
                    "schema": _schema(index["schema"]),
                    "throughput": Throughput(**index["throughput"])
                    if index["throughput"]
                    else None,
                }
            )
            for index in fields["indexes"]
        ]
        fields["destinations"] = [Destination(**d) for d in fields["destinations"]]
        return cls(**fields)

    # -- AWS's TableDescription ----------------------------------------------------------------

    def describe(
        self,
        counts: Mapping[str, tuple[int, int]],
        status: TableStatus = TableStatus.ACTIVE,
        index_status: IndexStatus = IndexStatus.ACTIVE,
        new_indexes: frozenset[str] = frozenset(),
    ) -> Item:
        """``counts`` maps "" (the table) and each index name to ``(item count, size bytes)``.

        ``new_indexes`` are GSIs an UpdateTable just created: CREATING in its answer.
        """
        count, size = counts.get("", (0, 0))
        pay_per_request = self.billing_mode == "PAY_PER_REQUEST"
        shape: Item = {
            "AttributeDefinitions": [dict(d) for d in self.attribute_definitions],
            "TableName": self.name,
            "KeySchema": self.schema.describe(),
            "TableStatus": status,
            "CreationDateTime": _moment(self.created),
            "ProvisionedThroughput": (
                Throughput(0, 0, self.throughput.decreases_today).describe()
                if pay_per_request
                else self.throughput.describe()
            ),
            "TableSizeBytes": size,
            "ItemCount": count,
            "TableArn": self.arn,
            "TableId": self.table_id,
        }
        if pay_per_request or self.billing_explicit or self.billing_switched is not None:
            summary: Item = {"BillingMode": self.billing_mode}
            if pay_per_request:
                summary["LastUpdateToPayPerRequestDateTime"] = _moment(
                    self.billing_switched or self.created
                )
            shape["BillingModeSummary"] = summary
        local = [i for i in self.indexes if i.kind == "LSI"]
        glob = [i for i in self.indexes if i.kind == "GSI"]
        if local:
            shape["LocalSecondaryIndexes"] = [self._describe_index(i, counts) for i in local]
        if glob:
            shape["GlobalSecondaryIndexes"] = [
                self._describe_index(
                    i,
                    counts,
                    status=IndexStatus.CREATING if i.name in new_indexes else index_status,
                )
                for i in glob
            ]
        if self.stream and self.stream.get("StreamEnabled"):
            shape["StreamSpecification"] = dict(self.stream)
        if self.stream_label is not None:
            # The latest stream stays named after it is disabled: it is readable for 24 hours.
            shape["LatestStreamLabel"] = self.stream_label
            shape["LatestStreamArn"] = f"{self.arn}/stream/{self.stream_label}"
        if self.sse and self.sse.get("Enabled"):
            region, account = self.arn.split(":")[3:5]
            shape["SSEDescription"] = {
                "Status": "ENABLED",
                "SSEType": self.sse.get("SSEType", "KMS"),
                "KMSMasterKeyArn": self.sse.get("KMSMasterKeyId")
                or f"arn:aws:kms:{region}:{account}:key/aws/dynamodb",
            }
        if self.table_class is not None:
            shape["TableClassSummary"] = {"TableClass": self.table_class}
            if self.table_class_updated is not None:
                shape["TableClassSummary"]["LastUpdateDateTime"] = _moment(self.table_class_updated)
        shape["DeletionProtectionEnabled"] = self.deletion_protection
        if self.on_demand is not None and pay_per_request:
            shape["OnDemandThroughput"] = dict(self.on_demand)
        shape["WarmThroughput"] = {
            "ReadUnitsPerSecond": WARM_READ_UNITS,
            "WriteUnitsPerSecond": WARM_WRITE_UNITS,
            "Status": "ACTIVE",
        }
        return shape

    def describe_deleted(self, counts: Mapping[str, tuple[int, int]]) -> Item:
        """DeleteTable's ``TableDescription``: the table's name, status, throughput, size and
        identity only, as AWS answers it (no key schema, definitions or indexes)."""
        full = self.describe(counts, status=TableStatus.DELETING)
        names = (
            "TableName",
            "TableStatus",
            "ProvisionedThroughput",
            "TableSizeBytes",
            "ItemCount",
            "TableArn",
            "TableId",
            "BillingModeSummary",
        )
        return {name: full[name] for name in names if name in full}

    def _describe_index(
        self,
        index: IndexMeta,
        counts: Mapping[str, tuple[int, int]],
        status: IndexStatus | None = None,
    ) -> Item:
        count, size = counts.get(index.name, (0, 0))
        shape: Item = {
            "IndexName": index.name,
            "KeySchema": index.schema.describe(),
            "Projection": index.describe_projection(),
        }
        if status is not None:
            shape["IndexStatus"] = status
            if status == IndexStatus.CREATING:
                shape["Backfilling"] = False  # backfilled within UpdateTable already
            throughput = index.throughput or Throughput(0, 0)
            shape["ProvisionedThroughput"] = throughput.describe()
        shape["IndexSizeBytes"] = size
        shape["ItemCount"] = count
        shape["IndexArn"] = self.index_arn(index)
        if status is not None:
            if index.on_demand is not None:
                shape["OnDemandThroughput"] = dict(index.on_demand)
            shape["WarmThroughput"] = {
                "ReadUnitsPerSecond": WARM_READ_UNITS,
                "WriteUnitsPerSecond": WARM_WRITE_UNITS,
                "Status": "ACTIVE",
            }
        return shape


def _schema(data: Mapping[str, Any]) -> KeySchema:
    hash_attribute = KeyAttribute(**data["hash"])
    range_attribute = KeyAttribute(**data["range"]) if data.get("range") else None
    return KeySchema(hash_attribute, range_attribute)


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
