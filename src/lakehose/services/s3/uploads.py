"""Listing multipart uploads and their parts (ListMultipartUploads, ListParts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lakehose.services.s3 import store
from lakehose.services.s3.base import S3Base, quoted
from lakehose.services.s3.listing import check_max, common_prefix, encoder, successor
from lakehose.services.s3.names import decode_key, encode_key
from lakehose.services.s3.store import UploadRow

MAX_PARTS = 1000
MAX_UPLOADS = 1000


class UploadListingOperations(S3Base):
    """What is in flight."""

    def list_parts(
        self,
        *,
        bucket: str,
        key: str,
        upload_id: str,
        max_parts: int | None = None,
        part_number_marker: int | None = None,
    ) -> dict[str, Any]:
        limit = min(check_max("maxParts", max_parts, MAX_PARTS, "max-parts"), MAX_PARTS)
        marker = part_number_marker or 0
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            upload = self._locate_upload(connection, found, encode_key(key), upload_id)
            listed = store.parts(connection, upload_id, after=marker)
        page = listed[:limit]
        result: dict[str, Any] = {
            "Bucket": bucket,
            "Key": key,
            "UploadId": upload_id,
            "PartNumberMarker": marker,
            "MaxParts": max_parts if max_parts is not None else MAX_PARTS,
            "IsTruncated": len(listed) > limit,
            "Parts": [
                {
                    "PartNumber": part.part_number,
                    "LastModified": datetime.fromtimestamp(part.modified, UTC),
                    "ETag": quoted(part.etag),
                    "Size": part.size,
                    **(
                        {f"Checksum{part.checksum.algorithm}": part.checksum.value}
                        if part.checksum
                        else {}
                    ),
                }
                for part in page
            ],
            "Initiator": self._owner(found.owner),
            "Owner": self._owner(found.owner),
            "StorageClass": upload.storage_class,
        }
        if page:
            result["NextPartNumberMarker"] = page[-1].part_number
        if upload.checksum_algorithm is not None:
            result["ChecksumAlgorithm"] = upload.checksum_algorithm
            result["ChecksumType"] = upload.checksum_type
        return result

    def list_multipart_uploads(
        self,
        *,
        bucket: str,
        prefix: str | None = None,
        delimiter: str | None = None,
        key_marker: str | None = None,
        upload_id_marker: str | None = None,
        max_uploads: int | None = None,
        encoding_type: str | None = None,
    ) -> dict[str, Any]:
        encode = encoder(encoding_type)
        limit = min(check_max("maxUploads", max_uploads, MAX_UPLOADS, "max-uploads"), MAX_UPLOADS)
        raw_prefix = (prefix or "").encode()
        raw_delimiter = delimiter.encode() if delimiter else None
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            candidates = store.uploads_in(connection, found.id, raw_prefix, successor(raw_prefix))
        entries: list[UploadRow | bytes] = []
        for upload in _after_markers(candidates, key_marker, upload_id_marker):
            rolled = common_prefix(upload.key, raw_prefix, raw_delimiter)
            if rolled is not None:
                if rolled not in entries and (key_marker is None or rolled > key_marker.encode()):
                    entries.append(rolled)
                continue
            entries.append(upload)
        page = entries[:limit]
        result: dict[str, Any] = {
            "Bucket": bucket,
            "KeyMarker": encode(key_marker or ""),
            "UploadIdMarker": upload_id_marker or "",
            "MaxUploads": max_uploads if max_uploads is not None else MAX_UPLOADS,
            "IsTruncated": len(entries) > limit,
            "Prefix": encode(prefix or ""),
        }
        owner = self._owner(found.owner)
        uploads = [self._upload_entry(e, encode, owner) for e in page if isinstance(e, UploadRow)]
        prefixes = [{"Prefix": encode(decode_key(e))} for e in page if isinstance(e, bytes)]
        if uploads:
            result["Uploads"] = uploads
        if prefixes:
            result["CommonPrefixes"] = prefixes
        if page:
            last = page[-1]
            last_key = last if isinstance(last, bytes) else last.key
            result["NextKeyMarker"] = encode(decode_key(last_key))
            if isinstance(last, UploadRow):
                result["NextUploadIdMarker"] = last.upload_id
        if delimiter:
            result["Delimiter"] = encode(delimiter)
        if encoding_type is not None:
            result["EncodingType"] = encoding_type
        return result

    def _upload_entry(
        self, upload: UploadRow, encode: Any, owner: dict[str, str]
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "UploadId": upload.upload_id,
            "Key": encode(decode_key(upload.key)),
            "Initiated": datetime.fromtimestamp(upload.initiated, UTC),
            "StorageClass": upload.storage_class,
            "Owner": owner,
            "Initiator": owner,
        }
        if upload.checksum_algorithm is not None:
            entry["ChecksumAlgorithm"] = upload.checksum_algorithm
            entry["ChecksumType"] = upload.checksum_type
        return entry


def _after_markers(
    uploads: list[UploadRow], key_marker: str | None, upload_id_marker: str | None
) -> list[UploadRow]:
    """Uploads past the markers: keys after ``key_marker``, or, with an upload id marker too,
    the uploads of ``key_marker`` that follow that upload, then the later keys."""
    if key_marker is None:
        return uploads
    marker = key_marker.encode()
    later = [upload for upload in uploads if upload.key > marker]
    if upload_id_marker is None:
        return later
    same = [upload for upload in uploads if upload.key == marker]
    ids = [upload.upload_id for upload in same]
    position = ids.index(upload_id_marker) + 1 if upload_id_marker in ids else len(same)
    return same[position:] + later
