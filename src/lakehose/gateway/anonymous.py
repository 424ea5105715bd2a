"""Anonymous S3 reads that a bucket policy grants to everyone, as S3 serves public objects.

S3 answers an unsigned request when the bucket policy allows the action to ``Principal: "*"``
(IAM's evaluation: an explicit ``Deny`` wins, else some ``Allow`` must match, else it is denied).
lakehose grants exactly three anonymous reads and nothing else:

======================================  =================  ================================
request (path style)                    action             resource
======================================  =================  ================================
``GET``/``HEAD /bucket/key``            ``s3:GetObject``   ``arn:aws:s3:::bucket/key``
``GET /bucket`` (a listing)             ``s3:ListBucket``  ``arn:aws:s3:::bucket``
``HEAD /bucket``                        ``s3:ListBucket``  ``arn:aws:s3:::bucket``
======================================  =================  ================================

Only query parameters of those operations are accepted (``versionId`` is not: that read needs
``s3:GetObjectVersion``). Policy elements lakehose cannot evaluate fail closed: an ``Allow`` with a
``Condition``, ``NotPrincipal``, ``NotAction`` or ``NotResource`` grants nothing, and a ``Deny``
with any of them is taken to match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import orjson

from lakehose.errors import ServiceError
from lakehose.gateway.http import HttpRequest

PolicyReader = Callable[[str], str | None]
"""The policy document of a bucket, or ``None`` when it has none (or does not exist)."""

_OBJECT_QUERY = frozenset(
    {
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
        "response-content-language",
        "response-content-type",
        "response-expires",
        "partNumber",
        "x-id",
    }
)
_LIST_QUERY = frozenset(
    {
        "list-type",
        "prefix",
        "delimiter",
        "max-keys",
        "marker",
        "continuation-token",
        "start-after",
        "fetch-owner",
        "encoding-type",
        "x-id",
    }
)
_UNEVALUATED = ("Condition", "NotPrincipal", "NotAction", "NotResource")


def policy_reader(engine: object | None) -> PolicyReader:
    """Bucket policies as the S3 engine's own ``get_bucket_policy`` operation returns them,
    none for a bucket whose Block Public Access restricts public buckets
    (``RestrictPublicBuckets``: only the owner's account may then use the policy)."""
    operation = getattr(engine, "get_bucket_policy", None)
    blocks = getattr(engine, "get_public_access_block", None)

    def read(bucket: str) -> str | None:
        if not callable(operation):
            return None
        try:
            found = operation(bucket=bucket)
        except ServiceError:  # NoSuchBucket, NoSuchBucketPolicy
            return None
        policy = found.get("Policy") if isinstance(found, dict) else None
        if not isinstance(policy, str) or _restricted(blocks, bucket):
            return None
        return policy

    return read


def _restricted(blocks: Any, bucket: str) -> bool:
    if not callable(blocks):
        return False
    try:
        found = blocks(bucket=bucket)
    except ServiceError:  # NoSuchPublicAccessBlockConfiguration: nothing is blocked
        return False
    settings = found.get("PublicAccessBlockConfiguration") if isinstance(found, dict) else None
    return isinstance(settings, dict) and bool(settings.get("RestrictPublicBuckets"))


def public_read(request: HttpRequest, policies: PolicyReader) -> bool:
    """Whether ``request`` (path style) is a read the bucket's policy grants to everyone."""
    wanted = _requested_read(request)
    if wanted is None:
        return False
    bucket, action, resource = wanted
    policy = policies(bucket)
    return policy is not None and allows_everyone(policy, action, resource)


def allows_everyone(policy: str, action: str, resource: str) -> bool:
    """IAM's verdict on ``action`` on ``resource`` for an anonymous principal."""
    try:
        document = orjson.loads(policy)
    except orjson.JSONDecodeError:
        return False
    statements = document.get("Statement") if isinstance(document, dict) else None
    allowed = False
    for statement in _as_list(statements):
        if not isinstance(statement, dict):
            continue
        effect = statement.get("Effect")
        if effect == "Deny" and _matches(statement, action, resource, deny=True):
            return False
        if effect == "Allow" and _matches(statement, action, resource, deny=False):
            allowed = True
    return allowed


def _requested_read(request: HttpRequest) -> tuple[str, str, str] | None:
    """``(bucket, action, resource ARN)`` of an anonymous-capable read, else ``None``."""
    if request.method not in ("GET", "HEAD"):
        return None
    bucket, _, key = request.path.lstrip("/").partition("/")
    bucket = unquote(bucket)
    if not bucket:
        return None
    names = {name for name, _ in request.query_items()}
    if key:
        if names <= _OBJECT_QUERY:
            return bucket, "s3:GetObject", f"arn:aws:s3:::{bucket}/{unquote(key)}"
        return None
    if request.method == "HEAD" and not names:
        return bucket, "s3:ListBucket", f"arn:aws:s3:::{bucket}"
    if request.method == "GET" and names <= _LIST_QUERY:
        return bucket, "s3:ListBucket", f"arn:aws:s3:::{bucket}"
    return None


def _matches(statement: dict[str, Any], action: str, resource: str, *, deny: bool) -> bool:
    if any(element in statement for element in _UNEVALUATED):
        return deny  # fail closed: an unevaluated Allow grants nothing, a Deny applies
    actions = _strings("Action", statement)
    resources = _strings("Resource", statement)
    return (
        _everyone(statement.get("Principal"))
        and any(_wildcard(pattern, ignore_case=True).fullmatch(action) for pattern in actions)
        and any(_wildcard(pattern, ignore_case=False).fullmatch(resource) for pattern in resources)
    )


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))


def _strings(element: str, statement: dict[str, Any]) -> list[str]:
    return [value for value in _as_list(statement.get(element)) if isinstance(value, str)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@lru_cache(maxsize=256)
def _wildcard(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    """IAM's wildcards: ``*`` any run of characters, ``?`` any one character."""
    translated = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    # Action names are case-insensitive in IAM; resource ARNs (object keys) are not.
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(translated, flags)
