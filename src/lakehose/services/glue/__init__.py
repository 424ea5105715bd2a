"""AWS Glue, reproduced: the Data Catalog and S3 crawlers; see ``engine.GlueEngine``."""

from lakehose.services.glue.engine import GlueEngine

__all__ = ["GlueEngine"]
