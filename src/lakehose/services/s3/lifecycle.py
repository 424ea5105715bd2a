"""Bucket lifecycle configurations: checked and stored as S3 does, expirations applied by the clock.

Rule checks follow responses recorded from S3: a rule needs a ``Filter`` or the legacy ``Prefix``
(not both); a filter holds one condition or an ``And``; ``Expiration`` holds one of ``Days``,
``Date`` (midnight UTC) or ``ExpiredObjectDeleteMarker``; a rule needs an action.

What is applied (user guide, "Lifecycle configuration elements"): an object expires at the
first midnight UTC at least ``Days`` after its creation, or on ``Date``; in a versioned bucket
expiring the current object leaves a delete marker. ``AbortIncompleteMultipartUpload`` aborts
uploads ``DaysAfterInitiation`` after they began. ``ExpiredObjectDeleteMarker`` removes delete
markers that are a key's only version. Transitions and noncurrent-version actions are stored and
returned, not applied (see docs/deviations.md).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from lakehose.services.s3.errors import InvalidArgument, InvalidRequest, MalformedXML
from lakehose.services.s3.store import ObjectRow

DAY = 86400
MIN_OBJECT_SIZES = frozenset({"varies_by_storage_class", "all_storage_classes_128K"})
DEFAULT_MIN_OBJECT_SIZE = "all_storage_classes_128K"
_FILTER_CONDITIONS = ("Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan", "And")
_ACTIONS = (
    "Expiration",
    "Transitions",
    "NoncurrentVersionTransitions",
    "NoncurrentVersionExpiration",
    "AbortIncompleteMultipartUpload",
)
_MAX_ID = 255


def check_minimum_size(value: str | None) -> str:
    if value is None:
        return DEFAULT_MIN_OBJECT_SIZE
    if value not in MIN_OBJECT_SIZES:
        raise InvalidRequest(f"Invalid TransitionDefaultMinimumObjectSize found: {value}")
    return value


def check_rules(configuration: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rules of a ``LifecycleConfiguration``, checked and made storable (dates as epochs)."""
    rules = [dict(rule) for rule in configuration.get("Rules") or []]
    if not rules:
        raise MalformedXML()
    seen: set[str] = set()
    for rule in rules:
        _check_rule(rule)
        rule.setdefault("ID", secrets.token_hex(24))
        if rule["ID"] in seen:
            raise InvalidArgument(
                "Rule ID must be unique. Found same ID for more than one rule", "ID", rule["ID"]
            )
        seen.add(rule["ID"])
    return rules


def _check_rule(rule: dict[str, Any]) -> None:
    if rule.get("Status") not in ("Enabled", "Disabled"):
        raise MalformedXML()
    if ("Filter" in rule) == ("Prefix" in rule):
        raise MalformedXML()
    if len(str(rule.get("ID", ""))) > _MAX_ID:
        raise InvalidArgument("ID length should not exceed allowed limit of 255", "ID", rule["ID"])
    conditions = [name for name in _FILTER_CONDITIONS if name in (rule.get("Filter") or {})]
    if len(conditions) > 1:
        raise MalformedXML()
    tags = [tag["Key"] for tag in (rule.get("Filter") or {}).get("And", {}).get("Tags") or []]
    if len(tags) != len(set(tags)):
        raise InvalidRequest("Duplicate Tag Keys are not allowed.")
    if not any(rule.get(action) for action in _ACTIONS):
        raise InvalidRequest("At least one action needs to be specified in a rule")
    expiration = dict(rule.get("Expiration") or {})
    given = [name for name in ("Days", "Date", "ExpiredObjectDeleteMarker") if name in expiration]
    if rule.get("Expiration") is not None and len(given) != 1:
        raise MalformedXML()
    if "Days" in expiration and int(expiration["Days"]) < 1:
        raise InvalidArgument(
            "'Days' for Expiration action must be a positive integer", "Days", expiration["Days"]
        )
    if "Date" in expiration:
        moment = _timestamp(expiration["Date"])
        if moment % DAY:
            raise InvalidArgument(
                "'Date' must be at midnight GMT", "Date", format_datetime(_utc(moment), True)
            )
        expiration["Date"] = moment
        rule["Expiration"] = expiration
    noncurrent = rule.get("NoncurrentVersionExpiration")
    if noncurrent is not None and "NoncurrentDays" not in noncurrent:
        raise MalformedXML()


def shown(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored rules as GetBucketLifecycleConfiguration returns them (dates as datetimes)."""
    result = []
    for rule in rules:
        copy = dict(rule)
        expiration = dict(copy.get("Expiration") or {})
        if "Date" in expiration:
            expiration["Date"] = _utc(float(expiration["Date"]))
            copy["Expiration"] = expiration
        result.append(copy)
    return result


def _timestamp(value: Any) -> float:
    return float(value.timestamp()) if isinstance(value, datetime) else float(value)


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def prefix_of(rule: Mapping[str, Any]) -> str:
    found = rule.get("Filter") or {}
    return str(
        rule.get("Prefix") or found.get("Prefix") or (found.get("And") or {}).get("Prefix") or ""
    )


def matches(rule: Mapping[str, Any], item: ObjectRow) -> bool:
    """Whether an enabled rule's filter selects the object."""
    if rule.get("Status") != "Enabled":
        return False
    found = dict(rule.get("Filter") or {})
    both = dict(found.get("And") or {})
    if not item.key.decode().startswith(prefix_of(rule)):
        return False
    wanted = list(both.get("Tags") or []) + ([found["Tag"]] if found.get("Tag") else [])
    have = {(tag["Key"], tag["Value"]) for tag in item.attributes.get("tags") or []}
    if any((tag["Key"], tag["Value"]) not in have for tag in wanted):
        return False
    above = both.get("ObjectSizeGreaterThan", found.get("ObjectSizeGreaterThan"))
    below = both.get("ObjectSizeLessThan", found.get("ObjectSizeLessThan"))
    return (above is None or item.size > int(above)) and (below is None or item.size < int(below))


def expiry(rule: Mapping[str, Any], item: ObjectRow) -> float | None:
    """When the rule expires the object (seconds since the epoch), if it does."""
    expiration = rule.get("Expiration") or {}
    if "Days" in expiration:
        # Creation time plus the days, rounded up to the next midnight UTC.
        return math.ceil((item.modified + int(expiration["Days"]) * DAY) / DAY) * DAY
    if "Date" in expiration:
        return float(expiration["Date"])
    return None


def earliest_expiry(rules: list[dict[str, Any]], item: ObjectRow) -> tuple[float, str] | None:
    """The first expiry of the object under any matching rule, with that rule's id."""
    found = [
        (when, str(rule["ID"]))
        for rule in rules
        if matches(rule, item) and (when := expiry(rule, item)) is not None
    ]
    return min(found) if found else None


def expiration_header(rules: list[dict[str, Any]], item: ObjectRow) -> str | None:
    """The ``x-amz-expiration`` value S3 sends with an object a rule will expire."""
    found = earliest_expiry(rules, item)
    if found is None:
        return None
    when, rule_id = found
    return f'expiry-date="{format_datetime(_utc(when), True)}", rule-id="{rule_id}"'
