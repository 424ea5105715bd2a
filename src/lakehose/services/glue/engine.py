"""The Glue engine: the Data Catalog (databases, tables, versions, partitions) and S3 crawlers.

The operations are grouped by noun in mixins (``databases``, ``tables``, ``partitions``,
``crawlers``, with ``runs`` driving crawls by the clock); this class adds the life cycle.

Other engines read the catalog through ``runtime.py`` adapters that call these same methods
(``get_table``, ``get_partitions``, ``create_table``, ...), so Athena sees exactly what a boto3
client sees.

Options (``Lakehose(options={"glue.<name>": value})``):

``crawler_start_seconds`` (0)
    How long a started crawler is RUNNING before its crawl runs (by the engine's clock).
``crawler_stopping_seconds`` (0)
    How long a crawler stays STOPPING after its crawl before it is READY again.
``crawler_sample_records`` (1000)
    How many records of each JSON object the schema is inferred from (all are counted).
"""

from __future__ import annotations

from lakehose.services.glue.crawlers import CrawlerOperations
from lakehose.services.glue.databases import DatabaseOperations


class GlueEngine(DatabaseOperations, CrawlerOperations):
    """AWS Glue's Data Catalog and crawlers on a SQLite database in the engine's directory."""

    def start(self) -> None:
        super().start()
