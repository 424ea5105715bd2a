"""A request's ``ExpressionAttributeNames`` / ``ExpressionAttributeValues`` and what uses them.

One context serves every expression of a request (condition, update, filter, projection, key
condition), so that after parsing them all the engine can ask ``check_unused()``: AWS rejects a
request that defines a name or value no expression uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lakehose.errors import ValidationException
from lakehose.services.dynamodb.attributes import AttributeValue, validate_value

_NAME_KEY = re.compile(r"#[0-9A-Za-z_]+")
_VALUE_KEY = re.compile(r":[0-9A-Za-z_]+")


def _invalid_key(kind: str, key: str) -> ValidationException:
    return ValidationException(
        f'ExpressionAttribute{kind} contains invalid key: Syntax error; key: "{key}"'
    )


class ExpressionContext:
    """Resolves ``#name`` and ``:value`` references and records which ones were used."""

    def __init__(
        self,
        names: Mapping[str, str] | None,
        values: Mapping[str, AttributeValue] | None,
    ) -> None:
        # The order of these checks is AWS's (dynalite validateExpressions): names before values,
        # emptiness before key syntax before the values themselves.
        if names is not None:
            if not names:
                raise ValidationException("ExpressionAttributeNames must not be empty")
            for key in names:
                if not _NAME_KEY.fullmatch(key):
                    raise _invalid_key("Names", key)
        if values is not None:
            if not values:
                raise ValidationException("ExpressionAttributeValues must not be empty")
            for key in values:
                if not _VALUE_KEY.fullmatch(key):
                    raise _invalid_key("Values", key)
            for value in values.values():
                # AWS reports a malformed value with the plain attribute-value message (moto's
                # AWS-verified test_update_item_unused_attributes), not wrapped in the key.
                validate_value(value)
        self.names: dict[str, str] = dict(names or {})
        self.values: dict[str, AttributeValue] = dict(values or {})
        self._used_names: set[str] = set()
        self._used_values: set[str] = set()

    def name(self, ref: str) -> str | None:
        """The attribute name behind ``#ref`` (marking it used), or None if undefined."""
        if ref in self.names:
            self._used_names.add(ref)
            return self.names[ref]
        return None

    def value(self, ref: str) -> AttributeValue | None:
        """The attribute value behind ``:ref`` (marking it used), or None if undefined."""
        if ref in self.values:
            self._used_values.add(ref)
            return self.values[ref]
        return None

    def check_unused(self) -> None:
        """Raise AWS's error for names, then values, that no parsed expression referenced."""
        for kind, defined, used in (
            ("Names", self.names, self._used_names),
            ("Values", self.values, self._used_values),
        ):
            unused = [key for key in defined if key not in used]
            if unused:
                raise ValidationException(
                    f"Value provided in ExpressionAttribute{kind} unused in expressions: "
                    f"keys: {{{', '.join(unused)}}}"
                )
