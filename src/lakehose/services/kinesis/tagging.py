"""Tags of streams and consumers: AddTagsToStream, RemoveTagsFromStream, ListTagsForStream, and
the ARN-addressed TagResource, UntagResource, ListTagsForResource.

AWS's rules (kinesalite's AWS-recorded tests, the API reference): keys and values may hold only
Unicode letters, digits, white space and ``_ . / = + - % @``; anything else (``;``, ``,``, a tab,
a newline) is refused with one message, and ``%``, though listed, with another. A resource holds
at most 50 tags.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterable
from typing import Any

from lakehose.formats import tags as tag_store
from lakehose.services.kinesis.base import KinesisBase, Resource
from lakehose.services.kinesis.errors import InvalidArgumentException

MAX_TAGS = 50
_SYMBOLS = frozenset("_./=+-%@")
_INVALID = (
    "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white "
    "space, _ . / = + - % @."
)


def check_characters(texts: Iterable[str], action: str, stream: str, account_id: str) -> None:
    """Refuse tag keys or values with characters AWS does not take, in AWS's words.

    ``action`` completes "Failed to ..." in the message for ``%`` ("add tags to stream").
    """
    texts = list(texts)
    if not all(_allowed(char) for text in texts for char in text):
        raise InvalidArgumentException(_INVALID)
    if any("%" in text for text in texts):
        raise InvalidArgumentException(
            f"Failed to {action} {stream} under account {account_id} because some tags "
            "contained illegal characters. The allowed characters are Unicode letters, "
            "white-spaces, '_',',','/','=','+','-','@'."
        )


def too_many_tags(stream: str, account_id: str) -> InvalidArgumentException:
    return InvalidArgumentException(
        f"Failed to add tags to stream {stream} under account {account_id} because a given stream "
        f"cannot have more than {MAX_TAGS} tags associated with it."
    )


def _allowed(char: str) -> bool:
    category = unicodedata.category(char)
    # Letters (L*), digits (Nd) and white space in the Unicode sense (Zs: a tab is a control).
    return category[0] == "L" or category in ("Nd", "Zs") or char in _SYMBOLS


class TagOperations(KinesisBase):
    def add_tags_to_stream(
        self,
        *,
        tags: dict[str, str],
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            stream = self._locate(connection, stream_name, stream_arn)
            self._add_tags(connection, Resource(stream, None), tags)
        return {}

    def remove_tags_from_stream(
        self,
        *,
        tag_keys: list[str],
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            stream = self._locate(connection, stream_name, stream_arn)
            self._remove_tags(connection, Resource(stream, None), tag_keys)
        return {}

    def list_tags_for_stream(
        self,
        *,
        stream_name: str | None = None,
        stream_arn: str | None = None,
        exclusive_start_tag_key: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        with self.db.read() as connection:
            stream = self._locate(connection, stream_name, stream_arn)
            tags = tag_store.tags(connection, stream.id)
        keys = [
            key for key in tags if exclusive_start_tag_key is None or key > exclusive_start_tag_key
        ]
        page = limit or MAX_TAGS
        return {
            "Tags": [{"Key": key, "Value": tags[key]} for key in keys[:page]],
            "HasMoreTags": len(keys) > page,
        }

    # -- by ARN -------------------------------------------------------------------------------

    def tag_resource(self, *, tags: dict[str, str], resource_arn: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            self._add_tags(connection, self._resource(connection, resource_arn), tags)
        return {}

    def untag_resource(self, *, tag_keys: list[str], resource_arn: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            self._remove_tags(connection, self._resource(connection, resource_arn), tag_keys)
        return {}

    def list_tags_for_resource(self, *, resource_arn: str) -> dict[str, Any]:
        with self.db.read() as connection:
            tags = _tags_of(connection, self._resource(connection, resource_arn))
        return {"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}

    # -- shared -------------------------------------------------------------------------------

    def _add_tags(
        self, connection: sqlite3.Connection, resource: Resource, tags: dict[str, str]
    ) -> None:
        name = resource.stream.name
        check_characters([*tags, *tags.values()], "add tags to stream", name, self.account_id)
        if len(_tags_of(connection, resource).keys() | tags.keys()) > MAX_TAGS:
            raise too_many_tags(name, self.account_id)
        if resource.consumer_arn is None:
            tag_store.put_tags(connection, resource.stream.id, tags)
        else:
            tag_store.put_tags(
                connection,
                resource.consumer_arn,
                tags,
                owner_column="consumer_arn",
                table="consumer_tags",
            )

    def _remove_tags(
        self, connection: sqlite3.Connection, resource: Resource, keys: list[str]
    ) -> None:
        name = resource.stream.name
        check_characters(keys, "remove tags from stream", name, self.account_id)
        if resource.consumer_arn is None:
            tag_store.delete_tags(connection, resource.stream.id, keys)
        else:
            tag_store.delete_tags(
                connection,
                resource.consumer_arn,
                keys,
                owner_column="consumer_arn",
                table="consumer_tags",
            )


def _tags_of(connection: sqlite3.Connection, resource: Resource) -> dict[str, str]:
    if resource.consumer_arn is None:
        return tag_store.tags(connection, resource.stream.id)
    return tag_store.tags(
        connection, resource.consumer_arn, owner_column="consumer_arn", table="consumer_tags"
    )
