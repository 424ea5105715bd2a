"""Shared helpers for the expression tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from lakehose.errors import ValidationException
from lakehose.services.dynamodb.expressions import ExpressionContext


def ctx(
    values: Mapping[str, Any] | None = None, names: Mapping[str, str] | None = None
) -> ExpressionContext:
    return ExpressionContext(names, values)


def message_of(action: Callable[[], object]) -> str:
    with pytest.raises(ValidationException) as caught:
        action()
    assert caught.value.error_code == "ValidationException"
    return caught.value.message


S = {"S": "x"}
N = {"N": "1"}
