"""Amazon Resource Names: ``arn:aws:<service>:<region>:<account>:<resource>``."""

from __future__ import annotations

from dataclasses import dataclass

from lakehose.errors import LakehoseError


class InvalidArn(LakehoseError):
    """A string that is not a well-formed ARN."""


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account_id: str
    resource: str

    def __str__(self) -> str:
        return (
            f"arn:{self.partition}:{self.service}:{self.region}:{self.account_id}:{self.resource}"
        )

    @property
    def resource_type(self) -> str:
        """The part of ``resource`` before the first ``/`` or ``:`` (``stream`` in ``stream/x``)."""
        for i, char in enumerate(self.resource):
            if char in "/:":
                return self.resource[:i]
        return ""

    @property
    def resource_id(self) -> str:
        """The part of ``resource`` after its type (``x`` in ``stream/x``)."""
        kind = self.resource_type
        return self.resource[len(kind) + 1 :] if kind else self.resource


def build_arn(service: str, region: str, account_id: str, resource: str) -> str:
    """``arn:aws:service:region:account:resource`` (S3 buckets pass empty region and account)."""
    return str(Arn("aws", service, region, account_id, resource))


def parse_arn(text: str) -> Arn:
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
        raise InvalidArn(f"not an ARN: {text!r}")
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])
