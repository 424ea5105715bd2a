"""AWS STS, reproduced: caller identity and role sessions; see ``engine.STSEngine``."""

from lakehose.services.sts.engine import STSEngine

__all__ = ["STSEngine"]
