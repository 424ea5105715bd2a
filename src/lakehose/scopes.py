"""Where an AWS resource lives: an account and a region, as AWS scopes them.

Regional services (DynamoDB, Kinesis, Firehose, Lambda, Glue, Athena, CloudWatch Logs) keep
their resources per account and region: a stream made through an eu-west-1 client has an
eu-west-1 ARN and is not in a us-east-1 listing. S3 bucket names and STS are global (one
namespace, whatever the region).

A request's region is the one its signature names; its account is the access key id when that
key is exactly twelve digits (as other AWS emulators read it), otherwise the configured account.
Both become directory names under the state directory, so only well-formed values are scopes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lakehose.arns import InvalidArn, parse_arn

# botocore service names, in pipeline order, and STS, which tools call before anything else.
SERVICES: tuple[str, ...] = (
    "dynamodb",
    "dynamodbstreams",
    "kinesis",
    "firehose",
    "s3",
    "lambda",
    "glue",
    "athena",
    "logs",
    "sts",
)
GLOBAL_SERVICES = frozenset({"s3", "sts"})

# The shape of every AWS region name (us-east-1, eu-central-2, us-gov-west-1, cn-north-1).
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}", re.ASCII)
_ACCOUNT = re.compile(r"\d{12}", re.ASCII)
MAX_REGION_LENGTH = 32


@dataclass(frozen=True, order=True)
class Scope:
    """One account in one region: the namespace of a regional service's resources."""

    account_id: str
    region: str

    def __str__(self) -> str:
        return f"{self.account_id}/{self.region}"


def is_region(name: str) -> bool:
    return len(name) <= MAX_REGION_LENGTH and _REGION.fullmatch(name) is not None


def is_account(name: str) -> bool:
    return _ACCOUNT.fullmatch(name) is not None


def account_for_key(access_key_id: str | None, default: str) -> str:
    """The account a request acts in: a 12-digit access key id names it, any other key not."""
    if access_key_id is not None and is_account(access_key_id):
        return access_key_id
    return default


def scope_of_arn(arn: str, default: Scope) -> Scope:
    """The scope an ARN names; parts it leaves empty or malformed (or a non-ARN) keep ``default``'s.

    Malformed parts fall back rather than fail: the engine that owns the ARN's resource then
    answers "not found" in its own words, as AWS does for an ARN it cannot place.
    """
    try:
        parsed = parse_arn(arn)
    except InvalidArn:
        return default
    region = parsed.region if is_region(parsed.region) else default.region
    account = parsed.account_id if is_account(parsed.account_id) else default.account_id
    return Scope(account, region)
