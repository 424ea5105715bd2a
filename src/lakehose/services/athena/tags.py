"""TagResource, UntagResource, ListTagsForResource on workgroups.

Tags are kept on the workgroup as AWS lists them (``[{"Key", "Value"}]``, in the order the keys
were first set). Only workgroup ARNs (``arn:aws:athena:<region>:<account>:workgroup/<name>``)
name something lakehose keeps; the one data catalog, ``AwsDataCatalog``, cannot be tagged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lakehose.arns import InvalidArn, build_arn, parse_arn
from lakehose.services.athena import store
from lakehose.services.athena.base import AthenaBase, decode_token
from lakehose.services.athena.errors import InvalidRequestException, ResourceNotFoundException
from lakehose.services.athena.store import WorkGroupRow

Tags = list[dict[str, str]]


class TagOperations(AthenaBase):
    def _workgroup_arn(self, name: str) -> str:
        return build_arn("athena", self.region, self.account_id, f"workgroup/{name}")

    def _tagged(self, arn: str, change: Callable[[Tags], Tags] | None = None) -> WorkGroupRow:
        """The workgroup ``arn`` names, with ``change(tags)`` applied and saved when given."""
        try:
            parsed = parse_arn(arn)
        except InvalidArn:
            raise InvalidRequestException(f"Invalid ARN: {arn}") from None
        if parsed.service != "athena" or parsed.resource_type != "workgroup":
            raise InvalidRequestException.unsupported(f"tags on {arn}")
        with self.db.transaction() as connection:
            found = store.find_workgroup(connection, parsed.resource_id)
            if found is None or (parsed.region, parsed.account_id) != (
                self.region,
                self.account_id,
            ):
                raise ResourceNotFoundException.resource(arn)
            if change is not None:
                found = WorkGroupRow(
                    found.name,
                    found.state,
                    found.description,
                    found.configuration,
                    change(found.tags),
                    found.created,
                )
                store.put_workgroup(connection, found)
        return found

    def tag_resource(self, *, resource_arn: str, tags: Tags) -> dict[str, Any]:
        def merge(current: Tags) -> Tags:
            values = {tag["Key"]: tag.get("Value", "") for tag in current}
            values.update({tag["Key"]: tag.get("Value", "") for tag in tags})
            return [{"Key": key, "Value": value} for key, value in values.items()]

        self._tagged(resource_arn, merge)
        return {}

    def untag_resource(self, *, resource_arn: str, tag_keys: list[str]) -> dict[str, Any]:
        removed = set(tag_keys)
        self._tagged(resource_arn, lambda current: [t for t in current if t["Key"] not in removed])
        return {}

    def list_tags_for_resource(
        self,
        *,
        resource_arn: str,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        # A workgroup holds at most 50 tags and MaxResults is at least 75: one page.
        decode_token(next_token, "after")
        return {"Tags": self._tagged(resource_arn).tags}
