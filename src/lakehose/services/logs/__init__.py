"""Amazon CloudWatch Logs, reproduced: see ``engine.LogsEngine``."""

from lakehose.services.logs.engine import LogsEngine

__all__ = ["LogsEngine"]
