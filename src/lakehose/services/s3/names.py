"""What S3 accepts as bucket names, object keys and location constraints.

Bucket names follow the general purpose bucket rules of the S3 user guide ("Bucket naming
rules"): 3 to 63 characters of lowercase letters, digits, dots and hyphens, starting and ending
with a letter or digit, no two adjacent dots, not shaped like an IP address, and none of the
prefixes and suffixes S3 reserves. Keys are any UTF-8 of 1 to 1024 bytes.
"""

from __future__ import annotations

import re

from lakehose.services.s3.errors import (
    IllegalLocationConstraintException,
    InvalidBucketName,
    InvalidLocationConstraint,
    KeyTooLongError,
)

MAX_KEY_BYTES = 1024
US_EAST_1 = "us-east-1"

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
_IP_ADDRESS = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}", re.ASCII)
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+", re.ASCII)
# The legacy constraint "EU" still names Ireland.
_ALIASES = {"EU": "eu-west-1"}


def check_bucket_name(name: str) -> None:
    valid = (
        _BUCKET.fullmatch(name) is not None
        and ".." not in name
        and _IP_ADDRESS.fullmatch(name) is None
        and not name.startswith(_RESERVED_PREFIXES)
        and not name.endswith(_RESERVED_SUFFIXES)
    )
    if not valid:
        raise InvalidBucketName(name)


def encode_key(key: str) -> bytes:
    """The key as stored and ordered: its UTF-8 bytes (``KeyTooLongError`` past 1024)."""
    raw = key.encode()
    if len(raw) > MAX_KEY_BYTES:
        raise KeyTooLongError(len(raw), MAX_KEY_BYTES)
    return raw


def decode_key(raw: bytes) -> str:
    return raw.decode()


def bucket_region(constraint: str | None, request_region: str) -> str:
    """The region a CreateBucket request puts its bucket in, as S3's regional endpoints decide.

    A request to us-east-1 must not name us-east-1 (S3 refuses it as an invalid constraint); a
    request to any region must otherwise name the region it was sent to, and only us-east-1 may
    leave the constraint out.
    """
    if constraint is not None and constraint not in _ALIASES and not _REGION.fullmatch(constraint):
        raise InvalidLocationConstraint(constraint)
    if constraint == US_EAST_1 == request_region:
        raise InvalidLocationConstraint(constraint)
    region = _ALIASES.get(constraint, constraint) if constraint is not None else US_EAST_1
    if region != request_region:
        raise IllegalLocationConstraintException(constraint)
    return region
