"""The S3 engine: buckets and objects on the filesystem, metadata in SQLite.

The operations are grouped by noun in mixins (``buckets``, ``access``, ``objects``, ``listing``,
``multipart``, ``uploads``, ``port``, ``version_listing``, ``object_tagging``,
``lifecycle_operations``, ``object_attributes``, ``cors``, ``configurations``); this class adds
the life cycle: opening the database, removing what a crash left behind, closing.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from lakehose.services.s3 import store
from lakehose.services.s3.buckets import BucketOperations
from lakehose.services.s3.configurations import ConfigurationOperations
from lakehose.services.s3.cors import CorsOperations
from lakehose.services.s3.lifecycle_operations import LifecycleOperations
from lakehose.services.s3.listing import ListingOperations
from lakehose.services.s3.multipart import MultipartOperations
from lakehose.services.s3.object_attributes import ObjectAttributesOperations
from lakehose.services.s3.object_tagging import ObjectTaggingOperations
from lakehose.services.s3.port import ObjectPort
from lakehose.services.s3.uploads import UploadListingOperations
from lakehose.services.s3.version_listing import VersioningOperations

logger = logging.getLogger(__name__)


class S3Engine(
    BucketOperations,
    ListingOperations,
    UploadListingOperations,
    MultipartOperations,
    ObjectPort,
    VersioningOperations,
    ObjectTaggingOperations,
    LifecycleOperations,
    ObjectAttributesOperations,
    CorsOperations,
    ConfigurationOperations,
):
    """Amazon S3 (general purpose buckets) in the engine's directory."""

    # ``port.ObjectPort``: what Athena, Firehose, Glue and Lambda's adapters read and write by.
    PORT_METHODS: ClassVar[frozenset[str]] = frozenset(
        {"get_object_bytes", "list_keys", "object_path", "put_object_bytes"}
    )

    def start(self) -> None:
        super().start()
        # Buckets from before accounts were told apart belong to the configured account.
        with self.db.transaction() as connection:
            store.adopt_unowned(connection, self.account_id)
        # Nothing is being written yet: every blob no row points at is a crash's leftover.
        with self.db.read() as connection:
            referenced = store.referenced_blobs(connection)
        removed = self.blobs.collect(referenced)
        if removed:
            logger.info("removed %d files left by an interrupted write", removed)
