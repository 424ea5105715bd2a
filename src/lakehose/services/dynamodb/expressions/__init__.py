"""DynamoDB's expression language: condition, filter, update, projection and key conditions.

Parse each expression of a request with one ``ExpressionContext`` (its ExpressionAttributeNames
and ExpressionAttributeValues), then call ``ctx.check_unused()``. Parsing raises AWS's
``ValidationException`` messages; evaluating a condition never raises; applying an update raises
AWS's run-time messages (wrong operand types, missing attributes, invalid document paths).

Modules: ``tokenizer`` (AWS's token kinds and syntax-error window), ``parser`` (recursive descent
over AWS's grammar), ``nodes`` (the tree), ``checks`` (static checks), ``diagnostics`` (AWS's error
precedence), ``evaluate`` (condition semantics), ``condition``, ``update``, ``projection``,
``key_condition``, ``legacy`` (the pre-expression parameters), ``render`` (tree back to text) and
``reserved_words``.
"""

from lakehose.services.dynamodb.expressions.condition import Condition, parse_condition
from lakehose.services.dynamodb.expressions.context import ExpressionContext
from lakehose.services.dynamodb.expressions.key_condition import (
    BoundKeyCondition,
    KeyCondition,
    KeyTerm,
    parse_key_condition,
)
from lakehose.services.dynamodb.expressions.legacy import (
    condition_from_expected,
    condition_from_filter,
    key_condition_from_legacy,
    projection_from_attributes_to_get,
    update_from_attribute_updates,
)
from lakehose.services.dynamodb.expressions.parser import precheck
from lakehose.services.dynamodb.expressions.projection import Projection, parse_projection
from lakehose.services.dynamodb.expressions.reserved_words import RESERVED_WORDS, is_reserved
from lakehose.services.dynamodb.expressions.update import UpdatePlan, parse_update

__all__ = [
    "RESERVED_WORDS",
    "BoundKeyCondition",
    "Condition",
    "ExpressionContext",
    "KeyCondition",
    "KeyTerm",
    "Projection",
    "UpdatePlan",
    "condition_from_expected",
    "condition_from_filter",
    "is_reserved",
    "key_condition_from_legacy",
    "parse_condition",
    "parse_key_condition",
    "parse_projection",
    "parse_update",
    "precheck",
    "projection_from_attributes_to_get",
    "update_from_attribute_updates",
]
