"""Multipart uploads: create, upload (or copy) parts, complete, abort.

Parts are blobs of their own. Completing an upload writes one new blob, the listed parts
concatenated in order, and commits the object row and the upload's removal in one transaction;
only then are the part blobs unlinked, so a crash at any point leaves either the upload (with all
its parts) or the object, never half of each.

The object's ETag is S3's multipart ETag: the MD5 of the concatenated binary MD5s of the parts,
then ``-<number of parts>``.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from lakehose.services.s3 import checksums, encryption, store, versions, write_options
from lakehose.services.s3.base import (
    Requester,
    quoted,
    refuse_unknown,
    standard_headers,
    storage_class_of,
    unquoted,
    user_metadata,
)
from lakehose.services.s3.blobs import read_ranges
from lakehose.services.s3.checksums import COMPOSITE, FULL_OBJECT, Checksum
from lakehose.services.s3.conditions import Conditions, parse_copy_range, parse_copy_source
from lakehose.services.s3.errors import (
    BadDigest,
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    InvalidRequest,
    MalformedXML,
    MissingContentLength,
    NoSuchUpload,
)
from lakehose.services.s3.names import encode_key
from lakehose.services.s3.objects import ObjectOperations, Stored, stored_in
from lakehose.services.s3.store import ObjectRow, PartRow, UploadRow

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_NUMBER = 10_000


def check_part_number(part_number: int) -> None:
    if not 1 <= part_number <= MAX_PART_NUMBER:
        raise InvalidArgument(
            f"Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive",
            "partNumber",
            part_number,
        )


def checksum_type_for(algorithm: str | None, requested: str | None) -> str | None:
    """The checksum type of a new upload: CRC64NVME is full-object only, SHA composite only."""
    if algorithm is None:
        if requested is not None:
            raise InvalidRequest(
                "The x-amz-checksum-type header can only be used with the "
                "x-amz-checksum-algorithm header."
            )
        return None
    kind = requested or (FULL_OBJECT if algorithm == "CRC64NVME" else COMPOSITE)
    allowed = {"CRC64NVME": (FULL_OBJECT,), "SHA1": (COMPOSITE,), "SHA256": (COMPOSITE,)}
    if kind not in allowed.get(algorithm, (FULL_OBJECT, COMPOSITE)):
        raise InvalidRequest(
            f"The {kind} checksum type cannot be used with the {algorithm.lower()} checksum "
            "algorithm."
        )
    return kind


class MultipartOperations(ObjectOperations):
    """Uploads in parts."""

    def create_multipart_upload(
        self,
        *,
        bucket: str,
        key: str,
        content_type: str | None = None,
        content_encoding: str | None = None,
        content_disposition: str | None = None,
        content_language: str | None = None,
        cache_control: str | None = None,
        expires: datetime | None = None,
        metadata: Mapping[str, str] | None = None,
        storage_class: str | None = None,
        checksum_algorithm: str | None = None,
        checksum_type: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        write = write_options.split(options)
        refuse_unknown(write.checksum_values, ())
        algorithm = checksums.algorithm_named(checksum_algorithm) if checksum_algorithm else None
        target = self._bucket_named(bucket)
        upload = UploadRow(
            upload_id=secrets.token_urlsafe(48),
            bucket_id=target.id,
            key=encode_key(key),
            initiated=self.clock.now(),
            headers=standard_headers(
                content_type=content_type,
                content_encoding=content_encoding,
                content_disposition=content_disposition,
                content_language=content_language,
                cache_control=cache_control,
                expires=expires,
            ),
            metadata=user_metadata(metadata),
            checksum_algorithm=algorithm,
            checksum_type=checksum_type_for(algorithm, checksum_type),
            storage_class=storage_class_of(storage_class),
            attributes=self._attributes(target, write),
        )
        with self.db.transaction() as connection:
            self._locate_bucket(connection, bucket)
            store.insert_upload(connection, upload)
        result = {"Bucket": bucket, "Key": key, "UploadId": upload.upload_id}
        result |= encryption.reported(upload.attributes)
        if algorithm is not None:
            result |= {"ChecksumAlgorithm": algorithm, "ChecksumType": str(upload.checksum_type)}
        return result

    def upload_part(
        self,
        *,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        body: bytes = b"",
        content_length: int | None = None,
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
        **checksum_values: str,
    ) -> dict[str, Any]:
        if content_length is None:
            raise MissingContentLength()
        check_part_number(part_number)
        declared = checksums.requested(checksum_algorithm, checksum_values)
        upload = self._upload(bucket, key, upload_id)
        md5 = hashlib.md5(body).digest()
        checksums.check_content_md5(content_md5, md5)
        checksum = checksums.verify(declared, body)
        checksum = self._part_checksum(upload, checksum, [body])
        part = PartRow(
            part_number,
            self.blobs.write(upload.bucket_id, [body]),
            len(body),
            md5.hex(),
            self._now_seconds(),
            checksum,
        )
        self._store_part(upload, part)
        result = {"ETag": quoted(part.etag), **_part_members(checksum)}
        return result | encryption.reported(upload.attributes)

    def upload_part_copy(
        self,
        *,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        copy_source: str,
        copy_source_range: str | None = None,
        copy_source_if_match: str | None = None,
        copy_source_if_none_match: str | None = None,
        copy_source_if_modified_since: datetime | None = None,
        copy_source_if_unmodified_since: datetime | None = None,
    ) -> dict[str, Any]:
        check_part_number(part_number)
        source_bucket, source_key, source_version = parse_copy_source(copy_source)
        upload = self._upload(bucket, key, upload_id)
        conditions = Conditions(
            copy_source_if_match,
            copy_source_if_none_match,
            copy_source_if_modified_since,
            copy_source_if_unmodified_since,
        )
        with self.db.read() as connection:
            origin = self._locate_bucket(connection, source_bucket)
            source = self._copy_source(connection, origin, source_key, source_version)
            source_versioned = versions.status(connection, origin.id) is not None
            conditions.check(source, copy=True)
            selected = (
                parse_copy_range(copy_source_range, source.size) if copy_source_range else None
            )
            # A link keeps the source's bytes while they are read without the lock.
            link = self.blobs.clone(self.blobs.path(origin.id, source.blob), upload.bucket_id)
        start, length = (selected.start, selected.length) if selected else (0, source.size)
        digester = checksums.Digester(upload.checksum_algorithm)
        ranges = [(self.blobs.path(upload.bucket_id, link), start, length)]
        try:
            blob = self.blobs.write(upload.bucket_id, digester.feed(read_ranges(ranges)))
        finally:
            self.blobs.discard(upload.bucket_id, [link])
        part = PartRow(
            part_number, blob, length, digester.etag, self._now_seconds(), digester.checksum
        )
        self._store_part(upload, part)
        modified = datetime.fromtimestamp(part.modified, UTC)
        result = {
            "ETag": quoted(part.etag),
            "LastModified": modified,
            **_part_members(part.checksum),
        }
        answer = {"CopyPartResult": result, **encryption.reported(upload.attributes)}
        if source_versioned or source_version is not None:
            answer["CopySourceVersionId"] = source.version
        return answer

    def complete_multipart_upload(
        self,
        *,
        bucket: str,
        key: str,
        upload_id: str,
        context: Requester,
        multipart_upload: Mapping[str, Any] | None = None,
        checksum_type: str | None = None,
        mpu_object_size: int | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        **checksum_values: str,
    ) -> dict[str, Any]:
        declared = checksums.requested(None, checksum_values)
        listed = list((multipart_upload or {}).get("Parts") or [])
        if not listed:
            raise MalformedXML()
        numbers = [int(part.get("PartNumber", 0)) for part in listed]
        if any(later <= earlier for earlier, later in itertools.pairwise(numbers)):
            raise InvalidPartOrder(upload_id)
        location = f"http://{context.host}/{bucket}/{quote(key, safe='/')}"
        try:
            upload = self._upload(bucket, key, upload_id)
        except NoSuchUpload:
            # S3 answers a repeated Complete of an upload it completed with the same result.
            repeated = self._completed(bucket, key, upload_id)
            if repeated is None:
                raise
            return _completion_result(repeated, location, bucket, key)
        if checksum_type is not None and checksum_type != upload.checksum_type:
            raise InvalidRequest(
                f"The upload was created using the {upload.checksum_type or 'null'} checksum "
                f"mode. The complete request must use the same checksum mode."
            )
        with self.db.read() as connection:
            stored = {part.part_number: part for part in store.parts(connection, upload_id)}
        chosen = _chosen_parts(upload, listed, stored)
        size = sum(part.size for part in chosen)
        if mpu_object_size is not None and mpu_object_size != size:
            raise InvalidRequest(
                f"The provided 'x-amz-mp-object-size' header value {mpu_object_size} does not "
                f"match what was computed: {size}"
            )
        blob, checksum = self._assemble(upload, chosen)
        try:
            if declared is not None and checksum is not None:
                _check_declared(declared, checksum)
            digests = b"".join(bytes.fromhex(part.etag) for part in chosen)
            row = ObjectRow(
                bucket_id=upload.bucket_id,
                key=upload.key,
                blob=blob,
                size=size,
                etag=f"{hashlib.md5(digests).hexdigest()}-{len(chosen)}",
                modified=self._now_seconds(),
                headers=upload.headers,
                metadata=upload.metadata,
                checksum=checksum,
                parts_count=len(chosen),
                storage_class=upload.storage_class,
                attributes={
                    **upload.attributes,
                    "parts": [part.size for part in chosen],
                    "upload_id": upload.upload_id,
                },
            )
        except BaseException:
            self.blobs.discard(upload.bucket_id, [blob])
            raise
        done = self._commit_completion(bucket, upload, row, if_match, if_none_match)
        return _completion_result(done, location, bucket, key)

    def _completed(self, bucket: str, key: str, upload_id: str) -> Stored | None:
        """The current object of ``key`` if the upload ``upload_id`` made it."""
        raw_key = encode_key(key)
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            current = store.find_object(connection, found.id, raw_key)
            if current is None or current.attributes.get("upload_id") != upload_id:
                return None
            return stored_in(connection, current)

    def abort_multipart_upload(self, *, bucket: str, key: str, upload_id: str) -> dict[str, Any]:
        raw_key = encode_key(key)
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            self._locate_upload(connection, found, raw_key, upload_id)
            blobs = store.delete_upload(connection, upload_id)
        self.blobs.discard(found.id, blobs)
        return {}

    # -- shared -----------------------------------------------------------------------------

    def _upload(self, bucket: str, key: str, upload_id: str) -> UploadRow:
        raw_key = encode_key(key)
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            return self._locate_upload(connection, found, raw_key, upload_id)

    def _part_checksum(
        self, upload: UploadRow, given: Checksum | None, data: Iterable[bytes]
    ) -> Checksum | None:
        """A part's checksum in the upload's algorithm (computed here if the client sent none)."""
        wanted = upload.checksum_algorithm
        if given is not None and wanted is not None and given.algorithm != wanted:
            raise InvalidRequest(
                f"Checksum Type mismatch occurred, expected checksum Type: {wanted.lower()}, "
                f"actual checksum Type: {given.algorithm.lower()}"
            )
        if given is None and wanted is not None:
            return Checksum(wanted, checksums.compute(wanted, data))
        return given

    def _store_part(self, upload: UploadRow, part: PartRow) -> None:
        def commit(connection: Any) -> tuple[None, list[str]]:
            if store.find_upload(connection, upload.upload_id) is None:
                raise NoSuchUpload(upload.upload_id)  # aborted or completed meanwhile
            replaced = store.put_part(connection, upload.upload_id, part)
            return None, [replaced] if replaced else []

        self._publish(upload.bucket_id, part.blob, commit)

    def _assemble(self, upload: UploadRow, chosen: list[PartRow]) -> tuple[str, Checksum | None]:
        """The object's blob and checksum from the chosen parts."""
        algorithm, kind = upload.checksum_algorithm, upload.checksum_type
        whole = checksums.Digester(algorithm if kind == FULL_OBJECT else None, md5=False)
        ranges = [(self.blobs.path(upload.bucket_id, part.blob), 0, part.size) for part in chosen]
        try:
            blob = self.blobs.write(upload.bucket_id, whole.feed(read_ranges(ranges)))
        except FileNotFoundError:
            raise NoSuchUpload(upload.upload_id) from None  # aborted while being assembled
        if algorithm is None or whole.checksum is not None:
            return blob, whole.checksum  # none, or FULL_OBJECT over the assembled bytes
        values = [part.checksum.value for part in chosen if part.checksum is not None]
        return blob, Checksum(algorithm, checksums.composite(algorithm, values), COMPOSITE)

    def _commit_completion(
        self,
        bucket: str,
        upload: UploadRow,
        row: ObjectRow,
        if_match: str | None,
        if_none_match: str | None,
    ) -> Stored:
        def commit(connection: Any) -> tuple[Stored, list[str]]:
            if store.find_upload(connection, upload.upload_id) is None:
                raise NoSuchUpload(upload.upload_id)
            part_blobs = store.delete_upload(connection, upload.upload_id)
            # The conditions and the bucket are checked by the same transaction as the write.
            stored, replaced = self._put_row(connection, bucket, row, if_match, if_none_match)
            return stored_in(connection, stored), part_blobs + replaced

        return self._publish(row.bucket_id, row.blob, commit)


def _completion_result(done: Stored, location: str, bucket: str, key: str) -> dict[str, Any]:
    row = done.row
    result = {"Location": location, "Bucket": bucket, "Key": key, "ETag": quoted(row.etag)}
    result |= row.checksum.members() if row.checksum else {}
    return result | done.members()


def _part_members(checksum: Checksum | None) -> dict[str, str]:
    return {f"Checksum{checksum.algorithm}": checksum.value} if checksum else {}


def _chosen_parts(
    upload: UploadRow, listed: list[Mapping[str, Any]], stored: Mapping[int, PartRow]
) -> list[PartRow]:
    """The stored parts a Complete request lists, each checked as S3 checks it."""
    chosen: list[PartRow] = []
    for index, entry in enumerate(listed):
        number, etag = int(entry.get("PartNumber", 0)), str(entry.get("ETag", ""))
        part = stored.get(number)
        if part is None or unquoted(etag) != part.etag:
            raise InvalidPart(upload.upload_id, number, etag)
        given = entry.get(f"Checksum{part.checksum.algorithm}") if part.checksum else None
        if part.checksum is not None and given is not None and given != part.checksum.value:
            raise InvalidPart(upload.upload_id, number, etag)
        if index < len(listed) - 1 and part.size < MIN_PART_SIZE:
            raise EntityTooSmall(part.size, MIN_PART_SIZE, number, etag)
        chosen.append(part)
    return chosen


def _check_declared(declared: tuple[str, str], checksum: Checksum) -> None:
    """A whole-object checksum sent with Complete must be the one the parts add up to."""
    algorithm, value = declared
    if algorithm != checksum.algorithm or value != checksum.value.split("-")[0]:
        raise BadDigest.checksum(algorithm)
