"""Amazon Kinesis Data Streams, reproduced: see ``engine.KinesisEngine``."""

from lakehose.services.kinesis.engine import KinesisEngine

__all__ = ["KinesisEngine"]
