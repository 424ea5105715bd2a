"""Put/Get/DeleteBucketCors: a bucket's CORS rules, checked as S3 checks them and stored.

Preflights and CORS answer headers are the network edge's (``gateway/safety.py``): it lets only
the origins lakehose allows reach an engine at all, so the bucket's rules are kept and returned
but do not widen that list (see docs/deviations.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehose.services.s3 import bucket_settings
from lakehose.services.s3.base import S3Base
from lakehose.services.s3.errors import InvalidRequest, MalformedXML, NoSuchCORSConfiguration

MAX_RULES = 100
_METHODS = frozenset({"GET", "PUT", "HEAD", "POST", "DELETE"})


def check_rules(configuration: Mapping[str, Any]) -> list[dict[str, Any]]:
    rules = [dict(rule) for rule in configuration.get("CORSRules") or []]
    if not 1 <= len(rules) <= MAX_RULES:
        raise MalformedXML()
    for rule in rules:
        if not rule.get("AllowedMethods") or not rule.get("AllowedOrigins"):
            raise MalformedXML()
        for method in rule["AllowedMethods"]:
            if method not in _METHODS:
                raise InvalidRequest(
                    f"Found unsupported HTTP method in CORS config. Unsupported method is {method}"
                )
    return rules


class CorsOperations(S3Base):
    """A bucket's CORS configuration."""

    def put_bucket_cors(
        self,
        *,
        bucket: str,
        cors_configuration: Mapping[str, Any],
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        # content_md5 / checksum_algorithm: integrity of the XML body (see deviations).
        rules = check_rules(cors_configuration)
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            bucket_settings.write(connection, found.id, bucket_settings.CORS, rules)
        return {}

    def get_bucket_cors(self, *, bucket: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            rules = bucket_settings.read(connection, found.id, bucket_settings.CORS)
        if rules is None:
            raise NoSuchCORSConfiguration(bucket)
        return {"CORSRules": rules}

    def delete_bucket_cors(self, *, bucket: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            bucket_settings.write(connection, found.id, bucket_settings.CORS, None)
        return {}
