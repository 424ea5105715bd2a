"""Access control lists: canned ACLs, grant headers and AccessControlPolicy documents.

An ACL is kept as the list of grants GetBucketAcl/GetObjectAcl return, each
``{"Grantee": {"Type": ..., "ID" | "URI": ...}, "Permission": ...}``; the owner is the bucket
owner's canonical id. Canned ACLs expand as the S3 user guide's "Canned ACL" table says, with one
principal: the object writer is always the bucket owner here, so ``bucket-owner-read`` and
``bucket-owner-full-control`` give that one owner full control.

Object Ownership decides whether ACLs apply at all: with ``BucketOwnerEnforced`` (S3's default for
new buckets) an ACL may only be one that gives the owner full control and nothing else; any
other is ``AccessControlListNotSupported``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lakehose.services.s3.errors import (
    AccessControlListNotSupported,
    InvalidArgument,
    InvalidRequest,
    MalformedACLError,
)

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY})
PUBLIC_GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS})
PERMISSIONS = frozenset({"FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP"})
BUCKET_OWNER_ENFORCED = "BucketOwnerEnforced"
OWNERSHIPS = frozenset({"BucketOwnerPreferred", "ObjectWriter", BUCKET_OWNER_ENFORCED})

# Grant headers by engine keyword, with the permission each grants.
GRANT_HEADERS = {
    "grant_full_control": ("x-amz-grant-full-control", "FULL_CONTROL"),
    "grant_read": ("x-amz-grant-read", "READ"),
    "grant_read_acp": ("x-amz-grant-read-acp", "READ_ACP"),
    "grant_write": ("x-amz-grant-write", "WRITE"),
    "grant_write_acp": ("x-amz-grant-write-acp", "WRITE_ACP"),
}
ACL_OPTIONS = frozenset({"acl", *GRANT_HEADERS})
_CANNED: dict[str, tuple[tuple[str, str], ...]] = {
    "private": (),
    "public-read": ((ALL_USERS, "READ"),),
    "public-read-write": ((ALL_USERS, "READ"), (ALL_USERS, "WRITE")),
    "authenticated-read": ((AUTHENTICATED_USERS, "READ"),),
    "aws-exec-read": (),
    "bucket-owner-read": (),
    "bucket-owner-full-control": (),
    "log-delivery-write": ((LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")),
}
_CANONICAL_ID = re.compile(r"[0-9a-f]{64}", re.ASCII)
_GRANTEE = re.compile(r'\s*([A-Za-z]+)\s*=\s*"?([^",]*)"?\s*')


def owner_grant(owner_id: str) -> dict[str, Any]:
    return {"Grantee": {"Type": "CanonicalUser", "ID": owner_id}, "Permission": "FULL_CONTROL"}


def _group_grant(uri: str, permission: str) -> dict[str, Any]:
    return {"Grantee": {"Type": "Group", "URI": uri}, "Permission": permission}


def canned(name: str, owner_id: str) -> list[dict[str, Any]]:
    if name not in _CANNED:
        raise InvalidArgument("", "x-amz-acl", name)
    return [owner_grant(owner_id)] + [_group_grant(*grant) for grant in _CANNED[name]]


def requested(options: Mapping[str, Any], owner_id: str) -> list[dict[str, Any]] | None:
    """The ACL a request's ``x-amz-acl`` or ``x-amz-grant-*`` headers ask for, if any."""
    name = options.get("acl")
    given = {keyword: options[keyword] for keyword in GRANT_HEADERS if options.get(keyword)}
    if name is not None and given:
        raise InvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
    if name is not None:
        return canned(str(name), owner_id)
    if not given:
        return None
    grants: list[dict[str, Any]] = []
    for keyword, value in given.items():
        header, permission = GRANT_HEADERS[keyword]
        for item in str(value).split(","):
            grants.append({"Grantee": _header_grantee(header, item), "Permission": permission})
    return grants


def _header_grantee(header: str, item: str) -> dict[str, str]:
    found = _GRANTEE.fullmatch(item)
    kind = found.group(1) if found else ""
    if found is None or kind not in ("id", "uri", "emailAddress"):
        raise InvalidArgument("Argument format not recognized", header, item.strip())
    value = found.group(2)
    if kind == "id":
        if not _CANONICAL_ID.fullmatch(value):
            raise InvalidArgument("Invalid id", "id", value)
        return {"Type": "CanonicalUser", "ID": value}
    if kind == "uri":
        if value not in GROUPS:
            raise InvalidArgument("Invalid group uri", "uri", value)
        return {"Type": "Group", "URI": value}
    # lakehose has one account and no e-mail addresses to resolve.
    raise InvalidArgument("Invalid email address", "emailAddress", value)


def from_policy(policy: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The grants of an ``AccessControlPolicy`` document, checked as S3 checks them."""
    grants = policy.get("Grants")
    owner = policy.get("Owner")
    if not isinstance(owner, Mapping) or not owner.get("ID") or grants is None:
        raise MalformedACLError()
    checked: list[dict[str, Any]] = []
    for grant in grants:
        grantee = grant.get("Grantee") or {}
        permission = grant.get("Permission")
        kind = grantee.get("Type")
        if permission not in PERMISSIONS:
            raise MalformedACLError()
        if kind == "CanonicalUser":
            identifier = str(grantee.get("ID") or "")
            if not identifier:
                raise MalformedACLError()
            if not _CANONICAL_ID.fullmatch(identifier):
                raise InvalidArgument("Invalid id", "CanonicalUser/ID", identifier)
            checked.append({"Grantee": {"Type": kind, "ID": identifier}, "Permission": permission})
        elif kind == "Group":
            uri = str(grantee.get("URI") or "")
            if not uri:
                raise MalformedACLError()
            if uri not in GROUPS:
                raise InvalidArgument("Invalid group uri", "Group/URI", uri)
            checked.append(_group_grant(uri, str(permission)))
        else:
            raise MalformedACLError()
    return checked


def owner_only(grants: list[dict[str, Any]], owner_id: str) -> bool:
    """Whether the ACL gives the owner full control and nobody anything else."""
    return all(grant == owner_grant(owner_id) for grant in grants)


def is_public(grants: list[dict[str, Any]]) -> bool:
    return any(grant["Grantee"].get("URI") in PUBLIC_GROUPS for grant in grants)


def check_allowed(
    grants: list[dict[str, Any]] | None, ownership: str | None, owner_id: str
) -> None:
    """With ACLs disabled (``BucketOwnerEnforced``), only the owner-full-control ACL passes."""
    if grants is None or ownership != BUCKET_OWNER_ENFORCED:
        return
    if not owner_only(grants, owner_id):
        raise AccessControlListNotSupported()
