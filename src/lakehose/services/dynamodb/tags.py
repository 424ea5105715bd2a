"""TagResource, UntagResource, ListTagsOfResource, and the tag rules CreateTable shares.

Tags live in the table's metadata. AWS addresses them by table ARN only; index ARNs, other
regions and malformed ARNs are refused with AWS's messages.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.errors import ResourceNotFoundException, ValidationException
from lakehose.services.dynamodb.store import StoredTable

MAX_TAGS = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
LIST_PAGE = 1000
# AWS's tag character set: letters, numbers, spaces and + - = . _ : / @ in any script.
_TAG_TEXT = re.compile(r"[\w\s+\-=.:/@]*", re.UNICODE)


def check_new(new: Sequence[Mapping[str, str]], existing: Mapping[str, str]) -> dict[str, str]:
    """``existing`` with ``new`` applied, after AWS's checks of each tag and the tag count."""
    seen: set[str] = set()
    for tag in new:
        key, value = tag["Key"], tag["Value"]
        if key in seen:
            raise ValidationException(
                f"Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}"
            )
        seen.add(key)
        if not key or len(key) > MAX_KEY_LENGTH or not _TAG_TEXT.fullmatch(key):
            raise ValidationException(f"The Tag Key provided is invalid, Key: {key}")
        if key.startswith("aws:"):
            raise ValidationException(f"Tag Key cannot be prefixed with aws:, Key: {key}")
        if len(value) > MAX_VALUE_LENGTH or not _TAG_TEXT.fullmatch(value):
            raise ValidationException(f"The Tag Value provided is invalid, Value: {value}")
    merged = dict(existing)
    merged.update({tag["Key"]: tag["Value"] for tag in new})
    if len(merged) > MAX_TAGS:
        raise ValidationException(
            "Number of Tags exceed the current limit for the provided ResourceArn"
        )
    return merged


class TagOperations(DynamoDBBase):
    def tag_resource(self, *, resource_arn: str, tags: list[dict[str, str]]) -> dict[str, Any]:
        self._check_arn(resource_arn)
        if not tags:
            raise ValidationException("Atleast one Tag needs to be provided as Input.")
        with self.db.transaction() as connection:
            table = self._tagged_table(connection, resource_arn)
            table.meta.tags = check_new(tags, table.meta.tags)
            store.save_table(connection, table)
        return {}

    def untag_resource(self, *, resource_arn: str, tag_keys: list[str]) -> dict[str, Any]:
        self._check_arn(resource_arn)
        if not tag_keys:
            raise ValidationException("Atleast one Tag Key needs to be provided as Input.")
        with self.db.transaction() as connection:
            table = self._tagged_table(connection, resource_arn)
            for key in tag_keys:
                table.meta.tags.pop(key, None)
            store.save_table(connection, table)
        return {}

    def list_tags_of_resource(
        self, *, resource_arn: str, next_token: str | None = None
    ) -> dict[str, Any]:
        self._check_arn(resource_arn)
        with self.db.read() as connection:
            table = self._tagged_table(connection, resource_arn)
        items = list(table.meta.tags.items())
        start = int(next_token) if next_token and next_token.isdigit() else 0
        page = items[start : start + LIST_PAGE]
        result: dict[str, Any] = {"Tags": [{"Key": k, "Value": v} for k, v in page]}
        if start + LIST_PAGE < len(items):
            result["NextToken"] = str(start + LIST_PAGE)
        return result

    def _check_arn(self, arn: str) -> None:
        if not arn.startswith("arn:"):
            raise ValidationException(
                f"One or more parameter values were invalid: ARNs must start with 'arn:': {arn}"
            )
        prefix = f"arn:aws:dynamodb:{self.region}:{self.account_id}:table/"
        name = arn[len(prefix) :] if arn.startswith(prefix) else ""
        if not name or "/" in name:
            raise ValidationException(
                f"Invalid TableArn: Invalid ResourceArn provided as input {arn}"
            )

    def _tagged_table(self, connection: sqlite3.Connection, arn: str) -> StoredTable:
        table = store.find_table(connection, arn.rsplit("/", 1)[1])
        if table is None:
            raise ResourceNotFoundException(
                f"Requested resource not found: ResourcArn: {arn} not found"
            )
        return table
