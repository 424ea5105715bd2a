"""GetObjectAttributes: what a HEAD says, and more, without the body, by attribute name.

The ETag comes without quotes here (S3's own quirk); a checksum and the part count appear only
when the object has them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lakehose.services.s3 import versions
from lakehose.services.s3.base import S3Base
from lakehose.services.s3.errors import InvalidArgument

ATTRIBUTES = frozenset({"ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"})


class ObjectAttributesOperations(S3Base):
    """The attributes of an object version."""

    def get_object_attributes(
        self,
        *,
        bucket: str,
        key: str,
        object_attributes: list[str],
        version_id: str | None = None,
        max_parts: int | None = None,
        part_number_marker: int | None = None,
    ) -> dict[str, Any]:
        # max_parts / part_number_marker page the parts list, which is never sent (see below).
        wanted = {name.strip() for name in object_attributes if name.strip()}
        unknown = sorted(wanted - ATTRIBUTES)
        if unknown or not wanted:
            raise InvalidArgument(
                "Invalid attribute name specified.", "x-amz-object-attributes", ",".join(unknown)
            )
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            item = self._locate_version(connection, found, key, version_id, method="GET")
            versioned = versions.status(connection, found.id) is not None
        result: dict[str, Any] = {"LastModified": datetime.fromtimestamp(item.modified, UTC)}
        if versioned:
            result["VersionId"] = item.version
        if "ETag" in wanted:
            result["ETag"] = item.etag
        if "Checksum" in wanted and item.checksum is not None:
            result["Checksum"] = item.checksum.members()
        if "ObjectParts" in wanted and item.parts_count:
            # Parts are listed only for composite checksums, whose part values are not kept.
            result["ObjectParts"] = {"TotalPartsCount": item.parts_count}
        if "StorageClass" in wanted:
            result["StorageClass"] = item.storage_class
        if "ObjectSize" in wanted:
            result["ObjectSize"] = item.size
        return result
