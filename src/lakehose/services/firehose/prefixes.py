"""S3 prefixes and object names: the ``!{namespace:value}`` language, its validation, its rendering.

An object key is ``<evaluated prefix><object name><extension>`` (extension: ``codecs``). Rules,
from the Firehose developer guide's "Custom prefixes" page unless marked:

* ``!{timestamp:PATTERN}`` formats the instant (the oldest record's arrival time, chosen by the
  caller) with a Java ``DateTimeFormatter`` pattern (``java_time``) in ``CustomTimeZone``, UTC
  by default. ``!{firehose:random-string}`` is 11 fresh characters per occurrence;
  ``!{firehose:error-output-type}`` (ErrorOutputPrefix only) the failure kind;
  ``!{partitionKeyFromQuery:K}`` / ``!{partitionKeyFromLambda:K}`` a dynamic partition's key.
* A ``Prefix`` with no expression at all (empty included) gets ``yyyy/MM/dd/HH/`` appended by
  plain concatenation: ``legacy`` becomes ``legacy2026/07/13/14/`` (observed). A prefix with
  any expression gets nothing appended.
* An ``ErrorOutputPrefix`` without expressions is used as it is: ``errors/`` + object name, no
  date, no type (emulators' observation of real AWS). An absent one, allowed only when
  ``Prefix`` has no expressions, becomes ``<Prefix><error-output-type>/yyyy/MM/dd/HH/``: the
  docs' text says ``<prefix><error-output-type>YYYY/MM/DD/HH/`` while their example shows a
  ``/`` after the type; lakehose follows the example [unconfirmed, ``ABSENT_ERROR_PREFIX``].
* Object names are ``<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>`` in ``CustomTimeZone``
  too (the API reference: the time zone "applies to prefix and suffix timestamps").

Validation messages: AWS's text is known for one rule only, the "ErrorOutputPrefix cannot be
null or empty" one, typo included ("Ths"). The others reuse its frame with the rule's wording
from the docs [unconfirmed].
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lakehose.services.firehose import java_time
from lakehose.services.firehose.errors import InvalidArgumentException
from lakehose.services.firehose.partitioning import METADATA_EXTRACTION_FAILED, PartitionKeyError

__all__ = [
    "ABSENT_ERROR_PREFIX",
    "DEFAULT_TIMESTAMP_PATTERN",
    "MAX_EVALUATED_PREFIX_LENGTH",
    "Expression",
    "PrefixSyntaxError",
    "has_expressions",
    "object_name",
    "parse_prefix",
    "partition_key_references",
    "random_string",
    "render_error_prefix",
    "render_prefix",
    "validate_prefixes",
    "zone_for",
]

DEFAULT_TIMESTAMP_PATTERN = "yyyy/MM/dd/HH/"
OBJECT_NAME_PATTERN = "yyyy-MM-dd-HH-mm-ss"
# ``{prefix}`` and ``{error_output_type}`` are filled in, then the default timestamp appended.
ABSENT_ERROR_PREFIX = "{prefix}{error_output_type}/"
MAX_EVALUATED_PREFIX_LENGTH = 512
_RANDOM_ALPHABET = "0123456789abcdef"  # both doc examples (046b6c7f-0b, 5abf82daaa5) are hex
_RANDOM_LENGTH = 11
_QUERY, _LAMBDA = "partitionKeyFromQuery", "partitionKeyFromLambda"
_FIREHOSE_VALUES = ("random-string", "error-output-type")
_CONSTRAINT = "Ths supplied prefix(es) do not satisfy the following constraint: {}"
_EXPRESSION = re.compile(r"!\{([^}]*)\}")


@dataclass(frozen=True)
class Expression:
    """One ``!{namespace:value}`` occurrence."""

    namespace: str
    value: str

    @property
    def text(self) -> str:
        return f"!{{{self.namespace}:{self.value}}}"


class PrefixSyntaxError(ValueError):
    """A prefix that breaks the expression syntax; the message is the broken rule."""


Token = str | Expression


@lru_cache(maxsize=256)
def parse_prefix(prefix: str) -> tuple[Token, ...]:
    """Literal text and expressions in order; raises ``PrefixSyntaxError`` on malformed syntax."""
    tokens: list[Token] = []
    pos = 0
    for match in _EXPRESSION.finditer(prefix):
        tokens.append(prefix[pos : match.start()])
        tokens.append(_expression(match.group(1)))
        pos = match.end()
    tokens.append(prefix[pos:])
    literal = [token for token in tokens if isinstance(token, str) and token]
    if any("!{" in text for text in literal):
        raise PrefixSyntaxError("The sequence !{ can only appear in !{namespace:value} expressions")
    return tuple(token for token in tokens if token != "")


def _expression(body: str) -> Expression:
    namespace, colon, value = body.partition(":")
    if not colon or not namespace or not value or "!{" in body:
        raise PrefixSyntaxError("The sequence !{ can only appear in !{namespace:value} expressions")
    if namespace == "timestamp":
        try:
            java_time.compile_pattern(value)
        except java_time.PatternError as exc:
            raise PrefixSyntaxError(
                f"!{{timestamp:{value}}} must be a valid Java DateTimeFormatter pattern ({exc})"
            ) from None
    elif namespace == "firehose":
        if value not in _FIREHOSE_VALUES:
            raise PrefixSyntaxError(
                f"!{{firehose:{value}}} is not supported; the firehose namespace accepts "
                "random-string and error-output-type"
            )
    elif namespace not in (_QUERY, _LAMBDA):
        raise PrefixSyntaxError(
            f"!{{{namespace}:...}} uses an unknown namespace; expressions must use timestamp, "
            f"firehose, {_QUERY} or {_LAMBDA}"
        )
    return Expression(namespace, value)


def has_expressions(prefix: str | None) -> bool:
    """Whether the prefix holds any ``!{...}`` expression (syntax is not checked)."""
    return bool(prefix) and _EXPRESSION.search(prefix or "") is not None


def partition_key_references(prefix: str | None) -> dict[str, frozenset[str]]:
    """The partition keys a valid prefix uses, by namespace (``partitionKeyFromQuery``, ...)."""
    found: dict[str, set[str]] = {_QUERY: set(), _LAMBDA: set()}
    for token in parse_prefix(prefix or ""):
        if isinstance(token, Expression) and token.namespace in found:
            found[token.namespace].add(token.value)
    return {namespace: frozenset(keys) for namespace, keys in found.items()}


def validate_prefixes(
    prefix: str | None, error_output_prefix: str | None, *, dynamic_partitioning: bool
) -> None:
    """Create/update-time checks of ``Prefix`` and ``ErrorOutputPrefix``.

    Raises ``InvalidArgumentException`` for the first broken rule, checked in this order:
    syntax of each prefix; ``!{firehose:error-output-type}`` in ``Prefix``; partition keys
    without dynamic partitioning or in ``ErrorOutputPrefix``; ``ErrorOutputPrefix`` absent while
    ``Prefix`` has expressions (or dynamic partitioning is on); an ``ErrorOutputPrefix`` with
    expressions but no ``!{firehose:error-output-type}``; dynamic partitioning without a
    partition key in ``Prefix`` [unconfirmed: the docs say the prefix "MUST" use the keys].
    """
    try:
        data = parse_prefix(prefix or "")
        errors = parse_prefix(error_output_prefix or "")
    except PrefixSyntaxError as exc:
        raise InvalidArgumentException(_CONSTRAINT.format(exc)) from None
    data_exprs = [token for token in data if isinstance(token, Expression)]
    error_exprs = [token for token in errors if isinstance(token, Expression)]
    keys_in_data = any(expr.namespace in (_QUERY, _LAMBDA) for expr in data_exprs)
    type_expression = "!{firehose:error-output-type}"
    if any(expr.text == type_expression for expr in data_exprs):
        _fail("Prefix cannot contain !{firehose:error-output-type}")
    if keys_in_data and not dynamic_partitioning:
        _fail(f"{_QUERY} and {_LAMBDA} expressions can only be used with dynamic partitioning")
    if any(expr.namespace in (_QUERY, _LAMBDA) for expr in error_exprs):
        _fail(f"ErrorOutputPrefix cannot contain {_QUERY} or {_LAMBDA} expressions")
    if not error_output_prefix and data_exprs:
        _fail("ErrorOutputPrefix cannot be null or empty when Prefix contains expressions")
    if not error_output_prefix and dynamic_partitioning:
        _fail("ErrorOutputPrefix cannot be null or empty when dynamic partitioning is enabled")
    if error_exprs and not any(expr.text == type_expression for expr in error_exprs):
        _fail(
            "ErrorOutputPrefix must contain at least one !{firehose:error-output-type} "
            "expression when it contains expressions"
        )
    if dynamic_partitioning and not keys_in_data:
        _fail(
            f"Prefix must contain at least one {_QUERY} or {_LAMBDA} expression when dynamic "
            "partitioning is enabled"
        )


def _fail(constraint: str) -> None:
    raise InvalidArgumentException(_CONSTRAINT.format(constraint))


def zone_for(time_zone: str | None) -> ZoneInfo:
    """The ``CustomTimeZone`` (UTC when absent); raises ``InvalidArgumentException`` if unknown."""
    try:
        return ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgumentException(f"Invalid CustomTimeZone: {time_zone}") from None


def render_prefix(
    prefix: str | None,
    *,
    instant: datetime,
    time_zone: str | None,
    random_string: Callable[[], str],
    partition_keys: Mapping[str, str] | None = None,
) -> str:
    """The evaluated data prefix for an object whose oldest record arrived at ``instant``.

    ``partition_keys`` maps a key name to its value for this partition; a name qualified by its
    namespace (``"partitionKeyFromLambda:customer"``) takes precedence over the bare name, for a
    stream whose query and Lambda define the same key. A key the mapping lacks raises
    ``PartitionKeyError`` (the record belongs in the error output).
    """
    moment = _moment(instant, time_zone)
    tokens = parse_prefix(prefix or "")
    if not any(isinstance(token, Expression) for token in tokens):
        return (prefix or "") + java_time.format(DEFAULT_TIMESTAMP_PATTERN, moment)
    return _evaluate(tokens, moment, random_string, partition_keys or {}, None)


def render_error_prefix(
    error_output_prefix: str | None,
    prefix: str | None,
    *,
    error_output_type: str,
    instant: datetime,
    time_zone: str | None,
    random_string: Callable[[], str],
) -> str:
    """The evaluated prefix of an error object of ``error_output_type``."""
    moment = _moment(instant, time_zone)
    if error_output_prefix:
        tokens = parse_prefix(error_output_prefix)
        return _evaluate(tokens, moment, random_string, {}, error_output_type)
    if has_expressions(prefix):
        raise ValueError("an ErrorOutputPrefix is required when Prefix has expressions")
    head = ABSENT_ERROR_PREFIX.format(prefix=prefix or "", error_output_type=error_output_type)
    return head + java_time.format(DEFAULT_TIMESTAMP_PATTERN, moment)


def _evaluate(
    tokens: tuple[Token, ...],
    moment: datetime,
    random_string: Callable[[], str],
    partition_keys: Mapping[str, str],
    error_output_type: str | None,
) -> str:
    out: list[str] = []
    for token in tokens:
        if isinstance(token, str):
            out.append(token)
        elif token.namespace == "timestamp":
            out.append(java_time.format(token.value, moment))
        elif token.value == "random-string":
            out.append(random_string())
        elif token.namespace == "firehose":
            if error_output_type is None:
                raise ValueError("!{firehose:error-output-type} outside an ErrorOutputPrefix")
            out.append(error_output_type)
        else:
            out.append(_partition_key(token, partition_keys))
    return "".join(out)


def _partition_key(token: Expression, partition_keys: Mapping[str, str]) -> str:
    value = partition_keys.get(f"{token.namespace}:{token.value}")
    if value is None:
        value = partition_keys.get(token.value)
    if value is None:
        raise PartitionKeyError(
            METADATA_EXTRACTION_FAILED, f"No value for partition key {token.text}"
        )
    return value


def object_name(
    stream_name: str, version: int, instant: datetime, uuid: str, *, time_zone: str | None = None
) -> str:
    """``<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>``, the part after the prefix."""
    stamp = java_time.format(OBJECT_NAME_PATTERN, _moment(instant, time_zone))
    return f"{stream_name}-{version}-{stamp}-{uuid}"


def random_string(rng: random.Random) -> str:
    """Eleven random characters, as one ``!{firehose:random-string}`` evaluates to."""
    return "".join(rng.choice(_RANDOM_ALPHABET) for _ in range(_RANDOM_LENGTH))


def _moment(instant: datetime, time_zone: str | None) -> datetime:
    # A naive instant is taken as UTC, the clock's convention.
    aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    return aware.astimezone(zone_for(time_zone))
