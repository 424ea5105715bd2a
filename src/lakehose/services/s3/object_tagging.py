"""PutObjectTagging, GetObjectTagging and DeleteObjectTagging, of any version of an object."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehose.services.s3 import tags, version_store, versions
from lakehose.services.s3.base import S3Base
from lakehose.services.s3.names import encode_key


class ObjectTaggingOperations(S3Base):
    """An object version's tag set, kept with the version."""

    def put_object_tagging(
        self,
        *,
        bucket: str,
        key: str,
        tagging: Mapping[str, Any],
        version_id: str | None = None,
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        # content_md5 / checksum_algorithm: integrity of the XML body (see deviations).
        tag_set = tags.check(list(tagging.get("TagSet") or []), bucket=False)
        return self._set_tags(bucket, key, version_id, tag_set)

    def get_object_tagging(
        self, *, bucket: str, key: str, version_id: str | None = None
    ) -> dict[str, Any]:
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            item = self._locate_version(connection, found, key, version_id, method="GET")
            versioned = versions.status(connection, found.id) is not None
        result: dict[str, Any] = {"TagSet": list(item.attributes.get("tags") or [])}
        if versioned:
            result["VersionId"] = item.version
        return result

    def delete_object_tagging(
        self, *, bucket: str, key: str, version_id: str | None = None
    ) -> dict[str, Any]:
        return self._set_tags(bucket, key, version_id, [])

    def _set_tags(
        self, bucket: str, key: str, version_id: str | None, tag_set: list[dict[str, str]]
    ) -> dict[str, Any]:
        raw_key = encode_key(key)
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            item = self._locate_version(connection, found, key, version_id, method="PUT")
            attributes = {**item.attributes, "tags": tag_set}
            version_store.set_attributes(connection, found.id, raw_key, item.version_id, attributes)
            versioned = versions.status(connection, found.id) is not None
        return {"VersionId": item.version} if versioned else {}
