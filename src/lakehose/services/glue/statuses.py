"""The states Glue reports for crawlers, as AWS spells them (``CrawlerState``,
``LastCrawlStatus``)."""

from __future__ import annotations

from enum import StrEnum


class CrawlerState(StrEnum):
    READY = "READY"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"


class LastCrawlStatus(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
