"""CreateCrawler, GetCrawler, GetCrawlers, StartCrawler, StopCrawler, DeleteCrawler,
GetCrawlerMetrics.

Crawlers crawl S3 targets only, when started (``runs`` drives their life cycle and ``crawl``
does the reading). Options lakehose does not carry out (schedules, custom classifiers, other
target kinds, event mode) are refused at creation rather than accepted and never honoured.
GetCrawler shows the defaults Glue fills in (empty target lists, policies, lineage, Lake
Formation configuration), as real answers show them.
"""

from __future__ import annotations

import sqlite3
from statistics import median
from typing import Any

import orjson

from lakehose.services.glue import store
from lakehose.services.glue.base import Document, decode_token, encode_token, storable
from lakehose.services.glue.crawl import Target
from lakehose.services.glue.errors import (
    AlreadyExistsException,
    CrawlerNotRunningException,
    CrawlerRunningException,
    CrawlerStoppingException,
    EntityNotFoundException,
    InvalidInputException,
    unsupported,
)
from lakehose.services.glue.runs import CrawlerRow, CrawlerRuns, Outcome
from lakehose.services.glue.statuses import CrawlerState, LastCrawlStatus

_TARGET_KINDS = (
    "S3Targets",
    "JdbcTargets",
    "MongoDBTargets",
    "DynamoDBTargets",
    "CatalogTargets",
    "DeltaTargets",
    "IcebergTargets",
    "HudiTargets",
)
_UNSUPPORTED_S3_TARGET = ("ConnectionName", "EventQueueArn", "DlqEventQueueArn")
_DEFAULT_PAGE = 100


class CrawlerOperations(CrawlerRuns):
    def create_crawler(
        self,
        *,
        name: str,
        role: str,
        targets: dict[str, Any],
        database_name: str | None = None,
        description: str | None = None,
        schedule: str | None = None,
        classifiers: list[str] | None = None,
        table_prefix: str | None = None,
        schema_change_policy: dict[str, str] | None = None,
        recrawl_policy: dict[str, str] | None = None,
        lineage_configuration: dict[str, str] | None = None,
        lake_formation_configuration: dict[str, Any] | None = None,
        configuration: str | None = None,
        crawler_security_configuration: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        if schedule:
            raise unsupported("crawler schedules (Schedule); start crawlers with StartCrawler")
        if classifiers:
            raise unsupported("custom classifiers (Classifiers)")
        now = self.clock.now()
        document: Document = {
            "Name": name,
            "Role": role,
            "Targets": _targets(targets),
            "DatabaseName": database_name,
            "Description": description,
            "Classifiers": [],
            "RecrawlPolicy": _recrawl_policy(recrawl_policy),
            "SchemaChangePolicy": {
                "UpdateBehavior": "UPDATE_IN_DATABASE",
                "DeleteBehavior": "DEPRECATE_IN_DATABASE",
                **(schema_change_policy or {}),
            },
            "LineageConfiguration": lineage_configuration or {"CrawlerLineageSettings": "DISABLE"},
            "TablePrefix": table_prefix,
            "CreationTime": now,
            "LastUpdated": now,
            "Version": 1,
            "Configuration": _configuration(configuration),
            "CrawlerSecurityConfiguration": crawler_security_configuration,
            "LakeFormationConfiguration": _lake_formation(lake_formation_configuration),
        }
        with self.db.transaction() as connection:
            if store.find_crawler(connection, name) is not None:
                raise AlreadyExistsException.of("Crawler")
            store.insert_crawler(
                connection, name, {k: v for k, v in document.items() if v is not None}, tags or {}
            )
        return {}

    def get_crawler(self, *, name: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = store.find_crawler(connection, name)
        if found is None:
            raise EntityNotFoundException.crawler_entry(name)
        return {"Crawler": self._shown(CrawlerRow.of(found))}

    def get_crawlers(
        self, *, max_results: int | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        limit = max_results or _DEFAULT_PAGE
        with self.db.read() as connection:
            rows = store.crawler_page(connection, decode_token(next_token, ""), limit + 1)
        result: dict[str, Any] = {
            "Crawlers": [self._shown(CrawlerRow.of(row)) for row in rows[:limit]]
        }
        if len(rows) > limit:
            result["NextToken"] = encode_token(rows[limit - 1]["name"])
        return result

    def start_crawler(self, *, name: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            crawler = _locate(connection, name)
            if crawler.state != CrawlerState.READY:
                raise CrawlerRunningException.started(name)
            now = self.clock.now()
            run = {"StartTime": now, "MessagePrefix": self.ids.uuid4()}
            store.set_crawler_state(
                connection, name, CrawlerState.RUNNING, now + self.start_delay, run
            )
        return {}

    def stop_crawler(self, *, name: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            crawler = _locate(connection, name)
            if crawler.state == CrawlerState.READY:
                raise CrawlerNotRunningException.of(name)
            if crawler.state == CrawlerState.STOPPING:
                raise CrawlerStoppingException.of(name)
            self._finish_run(connection, crawler, Outcome(LastCrawlStatus.CANCELLED))
        return {}

    def delete_crawler(self, *, name: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            crawler = _locate(connection, name)
            if crawler.state != CrawlerState.READY:
                raise CrawlerRunningException(f"Crawler with name {name} is {crawler.state}")
            store.delete_crawler(connection, name)
        return {}

    def get_crawler_metrics(
        self,
        *,
        crawler_name_list: list[str] | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        """Runtimes are measured by the engine's clock, from StartCrawler to the crawl's end."""
        limit = max_results or _DEFAULT_PAGE
        wanted = set(crawler_name_list or [])
        after = decode_token(next_token, "")
        with self.db.read() as connection:
            rows = [
                CrawlerRow.of(row)
                for row in store.crawler_page(connection, after, 2**31)
                if not wanted or row["name"] in wanted
            ]
        result: dict[str, Any] = {"CrawlerMetricsList": [_metrics(row) for row in rows[:limit]]}
        if len(rows) > limit:
            result["NextToken"] = encode_token(rows[limit - 1].name)
        return result

    def _shown(self, crawler: CrawlerRow) -> Document:
        elapsed = 0
        if crawler.state == CrawlerState.RUNNING and crawler.run is not None:
            elapsed = int((self.clock.now() - crawler.run["StartTime"]) * 1000)
        shown = {**crawler.document, "State": crawler.state, "CrawlElapsedTime": elapsed}
        if "LastCrawl" in crawler.history:
            shown["LastCrawl"] = crawler.history["LastCrawl"]
        return shown


def _locate(connection: sqlite3.Connection, name: str) -> CrawlerRow:
    found = store.find_crawler(connection, name)
    if found is None:
        raise EntityNotFoundException.crawler(name)
    return CrawlerRow.of(found)


def _metrics(crawler: CrawlerRow) -> Document:
    runtimes = crawler.history.get("Runtimes", [])
    return {
        "CrawlerName": crawler.name,
        "TimeLeftSeconds": 0.0,
        "StillEstimating": False,
        "LastRuntimeSeconds": runtimes[-1] if runtimes else 0.0,
        "MedianRuntimeSeconds": median(runtimes) if runtimes else 0.0,
        "TablesCreated": crawler.history.get("TablesCreated", 0),
        "TablesUpdated": crawler.history.get("TablesUpdated", 0),
        "TablesDeleted": crawler.history.get("TablesDeleted", 0),
    }


def _targets(targets: dict[str, Any]) -> Document:
    for kind in _TARGET_KINDS[1:]:
        if targets.get(kind):
            raise unsupported(f"crawler {kind}; lakehose crawls S3Targets")
    s3_targets = targets.get("S3Targets", [])
    if not s3_targets:
        raise InvalidInputException("The crawler has no targets")
    shown = []
    for s3_target in s3_targets:
        for member in _UNSUPPORTED_S3_TARGET:
            if member in s3_target:
                raise unsupported(f"S3Target.{member}")
        Target.parse(s3_target)  # refuse a malformed path now, not at the first crawl
        shown.append({"Exclusions": [], **storable(s3_target)})
    return {kind: shown if kind == "S3Targets" else [] for kind in _TARGET_KINDS}


def _recrawl_policy(policy: dict[str, str] | None) -> dict[str, str]:
    behaviour = (policy or {}).get("RecrawlBehavior", "CRAWL_EVERYTHING")
    if behaviour == "CRAWL_EVENT_MODE":
        raise unsupported("RecrawlBehavior CRAWL_EVENT_MODE (S3 event notifications)")
    return {"RecrawlBehavior": behaviour}


def _lake_formation(configuration: dict[str, Any] | None) -> dict[str, Any]:
    if configuration and configuration.get("UseLakeFormationCredentials"):
        raise unsupported("Lake Formation credentials for crawlers")
    return {"UseLakeFormationCredentials": False, "AccountId": "", **(configuration or {})}


def _configuration(configuration: str | None) -> str | None:
    """The crawler's JSON Configuration, kept as given; it must at least be a JSON object."""
    if configuration is not None:
        try:
            parsed = orjson.loads(configuration)
        except orjson.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise InvalidInputException("Crawler configuration not valid")
    return configuration
