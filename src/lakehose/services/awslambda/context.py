"""The context object a Python handler receives, shaped as AWS's runtime (awslambdaric) builds it.

This module runs inside the worker subprocess and imports only the standard library: the worker
loads it by path, without importing the ``lakehose`` package (see ``worker_main``).

Attributes follow ``awslambdaric/lambda_context.py``: the request id and invoked ARN come with the
invocation; name, version, memory, log group and stream are read from the environment the worker
was started with, as AWS reads them; ``get_remaining_time_in_millis`` counts down to the deadline
the invocation was given.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any


class LambdaContext:
    """``context`` as a Python handler sees it on AWS."""

    def __init__(
        self,
        invoke_id: str,
        client_context: dict[str, Any] | None,
        epoch_deadline_time_in_ms: int,
        invoked_function_arn: str,
    ) -> None:
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        # A string, as on AWS: the runtime passes the environment variable through unchanged.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id: str | None = None
        self.client_context = _client_context(client_context)
        self.identity = CognitoIdentity()
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self) -> int:
        remaining = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg: Any) -> None:
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity}"
            "])"
        )


class CognitoIdentity:
    """Always empty locally: no Cognito identity pool invokes lakehose functions."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self) -> None:
        self.cognito_identity_id: str | None = None
        self.cognito_identity_pool_id: str | None = None

    def __repr__(self) -> str:
        return (
            f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}])"
        )


class Client:
    __slots__ = (
        "app_package_name",
        "app_title",
        "app_version_code",
        "app_version_name",
        "installation_id",
    )

    app_package_name: Any
    app_title: Any
    app_version_code: Any
    app_version_name: Any
    installation_id: Any


class ClientContext:
    __slots__ = ("client", "custom", "env")

    client: Client | None
    custom: Any
    env: Any


def _client_context(document: dict[str, Any] | None) -> ClientContext | None:
    """The ``X-Amz-Client-Context`` JSON as the objects awslambdaric makes of it."""
    if document is None:
        return None
    context = ClientContext()
    context.custom = document.get("custom")
    context.env = document.get("env")
    client = document.get("client")
    if client is None:
        context.client = None
    else:
        context.client = Client()
        for name in Client.__slots__:
            setattr(context.client, name, client.get(name))
    return context
