"""Server-side encryption as S3 reports it: SSE-S3 on every object by default, SSE-KMS on request.

S3 encrypts every new object (since January 2023): with the bucket's default encryption, which is
SSE-S3 (``AES256``) unless ``PutBucketEncryption`` chose SSE-KMS, or with what the request's
``x-amz-server-side-encryption`` headers ask. lakehose keeps and reports that choice; the bytes on
disk are the state directory's business (see docs/deviations.md). There is no KMS here: a KMS key
is checked for the forms KMS accepts (key id, key ARN, alias, alias ARN), a key ARN must be in
the bucket's region, and a key id is reported as the ARN S3 reports. A key that does not exist
cannot be told from one that does.

SSE-C (customer-provided keys) is not implemented and is refused by name.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from lakehose.services.s3.errors import (
    InvalidArgument,
    KmsNotFound,
    MalformedXML,
    UnsupportedHeader,
)

AES256 = "AES256"
KMS = "aws:kms"
KMS_DSSE = "aws:kms:dsse"
ALGORITHMS = frozenset({AES256, KMS, KMS_DSSE})
SSE_OPTIONS = frozenset(
    {"server_side_encryption", "ssekms_key_id", "ssekms_encryption_context", "bucket_key_enabled"}
)
SSE_C_OPTIONS = {
    "sse_customer_algorithm": "x-amz-server-side-encryption-customer-algorithm",
    "sse_customer_key": "x-amz-server-side-encryption-customer-key",
    "sse_customer_key_md5": "x-amz-server-side-encryption-customer-key-MD5",
    "copy_source_sse_customer_algorithm": (
        "x-amz-copy-source-server-side-encryption-customer-algorithm"
    ),
    "copy_source_sse_customer_key": "x-amz-copy-source-server-side-encryption-customer-key",
    "copy_source_sse_customer_key_md5": (
        "x-amz-copy-source-server-side-encryption-customer-key-MD5"
    ),
}
DEFAULT_CONFIGURATION: dict[str, Any] = {
    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": AES256}}]
}
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_KEY_ID = re.compile(rf"{_UUID}|mrk-[0-9a-fA-F]{{32}}", re.ASCII)
_ALIAS = re.compile(r"alias/[a-zA-Z0-9:/_-]{1,250}", re.ASCII)
_ARN = re.compile(
    r"arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key/(?:" + _UUID + r"|mrk-[0-9a-fA-F]{32})"
    r"|alias/[a-zA-Z0-9:/_-]{1,250})",
    re.ASCII,
)


def refuse_customer_keys(options: Mapping[str, Any]) -> None:
    """SSE-C is not implemented: any of its headers is refused, naming it."""
    for keyword, header in SSE_C_OPTIONS.items():
        if options.get(keyword) is not None:
            raise UnsupportedHeader(header)


def managed_key_arn(region: str, account_id: str) -> str:
    """The ARN of the account's AWS managed key for S3 (``aws/s3``) in ``region``."""
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"lakehose:kms:aws/s3:{account_id}:{region}")
    return f"arn:aws:kms:{region}:{account_id}:key/{key}"


def key_arn(key_id: str, region: str, account_id: str) -> str:
    """The ARN S3 reports for a key a request names (``KMS.NotFoundException`` if unusable)."""
    found = _ARN.fullmatch(key_id)
    if found is not None:
        if found.group(1) != region:
            raise KmsNotFound(f"Invalid arn {found.group(1)}")
        return key_id
    if _KEY_ID.fullmatch(key_id):
        return f"arn:aws:kms:{region}:{account_id}:key/{key_id}"
    if _ALIAS.fullmatch(key_id):
        return f"arn:aws:kms:{region}:{account_id}:{key_id}"
    raise KmsNotFound(f"Invalid keyId '{key_id}'")


def _default_rule(configuration: Mapping[str, Any] | None) -> Mapping[str, Any]:
    rules = (configuration or DEFAULT_CONFIGURATION).get("Rules") or [{}]
    return dict(rules[0])


def requested(
    options: Mapping[str, Any],
    bucket_configuration: Mapping[str, Any] | None,
    region: str,
    account_id: str,
) -> dict[str, Any]:
    """The encryption a write gets: its headers' choice, else the bucket's default.

    Returned as the output members that report it (``ServerSideEncryption``, ``SSEKMSKeyId``,
    ``BucketKeyEnabled``).
    """
    algorithm = options.get("server_side_encryption")
    key_id = options.get("ssekms_key_id")
    bucket_key = options.get("bucket_key_enabled")
    rule = _default_rule(bucket_configuration)
    default = dict(rule.get("ApplyServerSideEncryptionByDefault") or {})
    if algorithm is None:
        if key_id is not None or options.get("ssekms_encryption_context") is not None:
            raise InvalidArgument(
                "Server Side Encryption with AWS KMS managed key requires HTTP header "
                "x-amz-server-side-encryption : aws:kms",
                "x-amz-server-side-encryption",
                "null",
            )
        algorithm = default.get("SSEAlgorithm", AES256)
        key_id = default.get("KMSMasterKeyID")
    elif algorithm not in ALGORITHMS:
        raise InvalidArgument(
            "The encryption method specified is not supported",
            "x-amz-server-side-encryption",
            algorithm,
        )
    elif algorithm == AES256 and key_id is not None:
        raise InvalidArgument(
            "Server Side Encryption with AWS KMS managed key requires HTTP header "
            "x-amz-server-side-encryption : aws:kms",
            "x-amz-server-side-encryption",
            algorithm,
        )
    if algorithm == AES256:
        return {"ServerSideEncryption": AES256}
    if bucket_key is None and default.get("SSEAlgorithm") in (KMS, KMS_DSSE):
        bucket_key = rule.get("BucketKeyEnabled")
    result: dict[str, Any] = {
        "ServerSideEncryption": algorithm,
        "SSEKMSKeyId": key_arn(str(key_id), region, account_id)
        if key_id
        else managed_key_arn(region, account_id),
    }
    if bucket_key:
        result["BucketKeyEnabled"] = True
    return result


def reported(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The encryption members of a stored object (objects from before: SSE-S3, as S3 says)."""
    return dict(attributes.get("sse") or {"ServerSideEncryption": AES256})


def check_configuration(configuration: Mapping[str, Any]) -> dict[str, Any]:
    """A ``ServerSideEncryptionConfiguration`` as S3 accepts and returns it."""
    rules = list(configuration.get("Rules") or [])
    if len(rules) != 1:
        raise MalformedXML()
    rule = dict(rules[0])
    default = dict(rule.get("ApplyServerSideEncryptionByDefault") or {})
    algorithm = default.get("SSEAlgorithm")
    if algorithm not in ALGORITHMS:
        raise MalformedXML()
    if default.get("KMSMasterKeyID") is not None and algorithm == AES256:
        raise InvalidArgument(
            "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or "
            "aws:kms:dsse",
            "ApplyServerSideEncryptionByDefault",
            None,
        )
    checked: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": default}
    checked["BucketKeyEnabled"] = bool(rule.get("BucketKeyEnabled", False))
    return {"Rules": [checked]}


def configuration_of(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """What GetBucketEncryption shows: the stored configuration or S3's default (SSE-S3)."""
    if stored is not None:
        return dict(stored)
    return check_configuration(DEFAULT_CONFIGURATION)
