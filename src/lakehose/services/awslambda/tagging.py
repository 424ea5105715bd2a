"""Function tags: TagResource, UntagResource, ListTags (and CreateFunction's ``Tags``).

Tags are stored per function and returned by GetFunction; they change nothing else, as on AWS.
"""

from __future__ import annotations

from typing import Any

from lakehose.formats import tags as tag_store
from lakehose.services.awslambda.base import LambdaBase


class TaggingOperations(LambdaBase):
    def tag_resource(self, *, resource: str, tags: dict[str, str]) -> None:
        with self.db.transaction() as connection:
            record, _ = self._find_function(connection, resource)
            tag_store.put_tags(connection, record.name, tags, owner_column="function")

    def untag_resource(self, *, resource: str, tag_keys: list[str]) -> None:
        with self.db.transaction() as connection:
            record, _ = self._find_function(connection, resource)
            tag_store.delete_tags(connection, record.name, tag_keys, owner_column="function")

    def list_tags(self, *, resource: str) -> dict[str, Any]:
        with self.db.read() as connection:
            record, _ = self._find_function(connection, resource)
            return {"Tags": tag_store.tags(connection, record.name, owner_column="function")}
