"""Amazon Data Firehose, reproduced: delivery streams, buffering, processors and S3 objects.

See ``engine.FirehoseEngine``; the exactly-once commit order is in ``delivery``.
"""

from lakehose.services.firehose.engine import FirehoseEngine

__all__ = ["FirehoseEngine"]
