"""Crawler runs: the clock-driven life cycle and writing what a crawl found into the catalog.

A crawler moves ``READY -> RUNNING -> STOPPING -> READY`` by the engine's clock:

1. StartCrawler makes it RUNNING, due ``crawler_start_seconds`` later (option, default 0).
2. When due (``run_due()`` by the clock, ``flush()`` at once), the crawl runs synchronously: it
   reads the targets through the object port without holding the catalog, then writes the tables
   and partitions it found in one transaction, records ``LastCrawl`` and the metrics, and makes
   the crawler STOPPING for ``crawler_stopping_seconds`` (option, default 0).
3. When that is due too, the crawler is READY again.

StopCrawler turns a RUNNING crawler STOPPING with ``LastCrawl.Status`` CANCELLED; a crawl that was
reading when it was stopped writes nothing. A crawl whose process died is run again on restart:
the crawler is still RUNNING and due.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

from lakehose.errors import ServiceError
from lakehose.services.engine import EngineEnvironment
from lakehose.services.glue import store
from lakehose.services.glue.base import Document
from lakehose.services.glue.crawl import TablePlan, Target, plan_table
from lakehose.services.glue.errors import InvalidInputException
from lakehose.services.glue.partitions import PartitionOperations
from lakehose.services.glue.ports import ObjectSource
from lakehose.services.glue.statuses import CrawlerState, LastCrawlStatus
from lakehose.services.glue.tables import TableOperations

logger = logging.getLogger(__name__)

LOG_GROUP = "/aws-glue/crawlers"
# The members of a TableInput a crawl writes; a re-crawl updates the table when one differs.
_CRAWLED_MEMBERS = ("Owner", "Retention", "StorageDescriptor", "PartitionKeys", "TableType")


@dataclass(frozen=True)
class CrawlerRow:
    name: str
    document: Document
    state: str
    due: float | None
    run: Document | None
    history: Document

    @classmethod
    def of(cls, row: sqlite3.Row) -> CrawlerRow:
        return cls(
            row["name"],
            store.loads(row["document"]),
            row["state"],
            row["due"],
            store.loads(row["run"]),
            store.loads(row["history"]),
        )


@dataclass
class Outcome:
    status: LastCrawlStatus = LastCrawlStatus.SUCCEEDED
    error: str | None = None
    created: int = 0
    updated: int = 0
    deleted: int = 0


class CrawlerRuns(TableOperations, PartitionOperations):
    def __init__(self, environment: EngineEnvironment, objects: ObjectSource | None = None) -> None:
        super().__init__(environment, objects)
        self.start_delay = float(environment.option("glue.crawler_start_seconds"))
        self.stopping_delay = float(environment.option("glue.crawler_stopping_seconds"))
        self.sample_records = int(environment.option("glue.crawler_sample_records"))
        # run_due (the worker) and flush (an admin call) must not crawl the same run twice.
        self._runs_lock = threading.Lock()

    def _advance_crawlers(self, until: float) -> None:
        """Make every transition due by ``until`` (``math.inf``: everything pending)."""
        with self._runs_lock:
            with self.db.read() as connection:
                names = store.due_crawlers(connection, until)
            for name in names:
                self._advance(name, until)

    def _advance(self, name: str, until: float) -> None:
        while True:
            with self.db.read() as connection:
                found = store.find_crawler(connection, name)
            crawler = None if found is None else CrawlerRow.of(found)
            if crawler is None or crawler.due is None or crawler.due > until:
                return
            if crawler.state == CrawlerState.RUNNING:
                self._crawl(crawler)
            else:
                with self.db.transaction() as connection:
                    store.set_crawler_state(connection, name, CrawlerState.READY, None, None)

    def _crawl(self, crawler: CrawlerRow) -> None:
        outcome, plans = Outcome(), []
        try:
            plans = self._plans(crawler)
        except Exception as error:
            outcome = _failed(crawler.name, error)
        with self.db.transaction() as connection:
            current = store.find_crawler(connection, crawler.name)
            if current is None or CrawlerRow.of(current).run != crawler.run:
                return  # stopped (or deleted) while it was reading: it writes nothing
            if outcome.status == LastCrawlStatus.SUCCEEDED:
                outcome = self._apply(connection, crawler, plans)
            self._finish_run(connection, crawler, outcome)

    def _finish_run(
        self, connection: sqlite3.Connection, crawler: CrawlerRow, outcome: Outcome
    ) -> None:
        """Record the run's LastCrawl and metrics; the crawler is STOPPING until due."""
        assert crawler.run is not None
        now = self.clock.now()
        last_crawl: Document = {
            "Status": outcome.status,
            "LogGroup": LOG_GROUP,
            "LogStream": crawler.name,
            "MessagePrefix": crawler.run["MessagePrefix"],
            "StartTime": crawler.run["StartTime"],
        }
        if outcome.error is not None:
            last_crawl["ErrorMessage"] = outcome.error
        history = {**crawler.history, "LastCrawl": last_crawl}
        if outcome.status != LastCrawlStatus.CANCELLED:
            runtimes = [*history.get("Runtimes", []), now - crawler.run["StartTime"]][-100:]
            history.update(
                Runtimes=runtimes,
                TablesCreated=outcome.created,
                TablesUpdated=outcome.updated,
                TablesDeleted=outcome.deleted,
            )
        due = now + self.stopping_delay
        store.set_crawler_state(connection, crawler.name, CrawlerState.STOPPING, due, None, history)

    def _plans(self, crawler: CrawlerRow) -> list[TablePlan]:
        if self.objects is None:
            raise InvalidInputException("No object store is connected to this Glue engine")
        plans = []
        for s3_target in crawler.document["Targets"]["S3Targets"]:
            plan = plan_table(
                self.objects,
                Target.parse(s3_target),
                crawler=crawler.name,
                table_prefix=crawler.document.get("TablePrefix", ""),
                now=self.clock.now(),
                sample_records=self.sample_records,
            )
            if plan is not None:
                plans.append(plan)
        return plans

    def _apply(
        self, connection: sqlite3.Connection, crawler: CrawlerRow, plans: list[TablePlan]
    ) -> Outcome:
        """Write the plans; a failure leaves the catalog as it was (savepoint)."""
        connection.execute("SAVEPOINT crawl")
        try:
            outcome = self._write(connection, crawler, plans)
        except Exception as error:
            connection.execute("ROLLBACK TO crawl")
            outcome = _failed(crawler.name, error)
        connection.execute("RELEASE crawl")
        return outcome

    def _write(
        self, connection: sqlite3.Connection, crawler: CrawlerRow, plans: list[TablePlan]
    ) -> Outcome:
        document = crawler.document
        if not document.get("DatabaseName"):
            raise InvalidInputException("The crawler has no DatabaseName to write tables to")
        database = self._locate_database(connection, document["DatabaseName"])["Name"]
        policy = document["SchemaChangePolicy"]
        update = policy["UpdateBehavior"] == "UPDATE_IN_DATABASE" and (
            document["RecrawlPolicy"]["RecrawlBehavior"] != "CRAWL_NEW_FOLDERS_ONLY"
        )
        outcome = Outcome()
        for plan in plans:
            table = store.find_table(connection, database, plan.name)
            if table is None:
                created_by = _role(self.account_id, document)
                table = self._insert_table(connection, database, plan.table_input, created_by)
                outcome.created += 1
            elif update and _differs(table, plan.table_input):
                merged = {**plan.table_input}
                merged["Parameters"] = {**table.get("Parameters", {}), **merged["Parameters"]}
                table = self._replace_table(connection, table, merged)
                outcome.updated += 1
            self._write_partitions(connection, table, plan, update)
        outcome.deleted = self._retire(connection, database, crawler, plans)
        return outcome

    def _write_partitions(
        self, connection: sqlite3.Connection, table: Document, plan: TablePlan, update: bool
    ) -> None:
        for partition_input in plan.partitions:
            values = partition_input["Values"]
            found = store.find_partition(connection, table["DatabaseName"], table["Name"], values)
            if found is None:
                self._add_partition(connection, table, partition_input)
            elif (
                update and found[1].get("StorageDescriptor") != partition_input["StorageDescriptor"]
            ):
                replacement = {
                    **found[1],
                    "StorageDescriptor": partition_input["StorageDescriptor"],
                }
                store.replace_partition(connection, found[0], replacement)

    def _retire(
        self,
        connection: sqlite3.Connection,
        database: str,
        crawler: CrawlerRow,
        plans: list[TablePlan],
    ) -> int:
        """Apply DeleteBehavior to the crawler's tables under its targets that it no longer
        finds: DEPRECATE_IN_DATABASE marks them ``DEPRECATED_BY_CRAWLER`` (epoch ms)."""
        behaviour = crawler.document["SchemaChangePolicy"]["DeleteBehavior"]
        if behaviour == "LOG":
            return 0
        found = {plan.name for plan in plans}
        locations = [
            Target.parse(target).location for target in crawler.document["Targets"]["S3Targets"]
        ]
        retired = 0
        for table in store.tables_of(connection, database):
            parameters = table.get("Parameters", {})
            location = table.get("StorageDescriptor", {}).get("Location", "")
            if (
                table["Name"] in found
                or parameters.get("UPDATED_BY_CRAWLER") != crawler.name
                or "DEPRECATED_BY_CRAWLER" in parameters
                or not any(location.startswith(target) for target in locations)
            ):
                continue
            retired += 1
            if behaviour == "DELETE_FROM_DATABASE":
                store.delete_table(connection, database, table["Name"])
            else:
                marked = {**parameters, "DEPRECATED_BY_CRAWLER": str(int(self.clock.now() * 1000))}
                self._replace_table(connection, table, {**_input_of(table), "Parameters": marked})
        return retired

    def run_due(self) -> None:
        self._advance_crawlers(self.clock.now())

    def flush(self) -> None:
        self._advance_crawlers(math.inf)


def _failed(crawler: str, error: Exception) -> Outcome:
    """A crawl's failure as LastCrawl reports it; a bug in lakehose is logged, not shown."""
    if isinstance(error, ServiceError):
        return Outcome(LastCrawlStatus.FAILED, error.message)
    logger.error("crawler %s failed", crawler, exc_info=error)
    return Outcome(LastCrawlStatus.FAILED, "Internal Service Exception")


def _role(account: str, document: Document) -> str:
    """``CreatedBy`` of a crawler's tables: the session Glue opens in the crawler's role."""
    role = str(document["Role"]).rsplit("/", 1)[-1]
    return f"arn:aws:sts::{account}:assumed-role/{role}/AWS-Crawler"


def _differs(table: Document, table_input: dict[str, Any]) -> bool:
    if any(table.get(member) != table_input.get(member) for member in _CRAWLED_MEMBERS):
        return True
    parameters = table.get("Parameters", {})
    return any(parameters.get(key) != value for key, value in table_input["Parameters"].items())


def _input_of(table: Document) -> dict[str, Any]:
    """A stored table's members that a TableInput carries (to update it with changes)."""
    added = {"DatabaseName", "CreateTime", "UpdateTime", "CreatedBy", "VersionId", "CatalogId"}
    added |= {"IsRegisteredWithLakeFormation", "IsMultiDialectView"}
    return {key: value for key, value in table.items() if key not in added}
