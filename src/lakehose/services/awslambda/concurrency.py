"""Reserved concurrency: PutFunctionConcurrency, GetFunctionConcurrency, DeleteFunctionConcurrency.

The reservation is stored with the function and enforced by the worker pool: an invocation beyond
it is throttled with ``TooManyRequestsException`` (``Reason``
``ReservedFunctionConcurrentInvocationLimitExceeded``); 0 stops the function from running at all.
As on AWS, reservations may not leave the account fewer than 100 unreserved executions.
"""

from __future__ import annotations

from typing import Any

from lakehose.services.awslambda import store
from lakehose.services.awslambda.base import (
    ACCOUNT_CONCURRENCY,
    UNRESERVED_MINIMUM,
    LambdaBase,
)
from lakehose.services.awslambda.errors import InvalidParameterValueException


class ConcurrencyOperations(LambdaBase):
    def put_function_concurrency(
        self, *, function_name: str, reserved_concurrent_executions: int
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            record, _ = self._find_function(connection, function_name)
            others = store.reserved_concurrency_total(connection, excluding=record.name)
            if ACCOUNT_CONCURRENCY - others - reserved_concurrent_executions < UNRESERVED_MINIMUM:
                raise InvalidParameterValueException(
                    "Specified ReservedConcurrentExecutions for function decreases account's "
                    "UnreservedConcurrentExecution below its minimum value of "
                    f"[{UNRESERVED_MINIMUM}]."
                )
            store.save_function(
                connection, record.replace(reserved_concurrency=reserved_concurrent_executions)
            )
        return {"ReservedConcurrentExecutions": reserved_concurrent_executions}

    def get_function_concurrency(self, *, function_name: str) -> dict[str, Any]:
        record = self._function(function_name)
        if record.reserved_concurrency is None:
            return {}
        return {"ReservedConcurrentExecutions": record.reserved_concurrency}

    def delete_function_concurrency(self, *, function_name: str) -> None:
        with self.db.transaction() as connection:
            record, _ = self._find_function(connection, function_name)
            store.save_function(connection, record.replace(reserved_concurrency=None))
