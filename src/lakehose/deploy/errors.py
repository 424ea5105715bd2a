"""Errors raised while deploying or destroying a stack.

Exception tree::

    DeployError                  root: the deploy or destroy did not do what was asked
    +-- TemplateError            the template is malformed or refers to what it does not define
    |   +-- UnsupportedResourceType   a resource type lakehose cannot deploy (raised before any
    |                                 resource is created)
    +-- ParameterError           a parameter value is missing, unknown or breaks its constraints
    +-- RuleFailed               a template Rule's assertion is false
    +-- AssemblyError            a cdk.out directory is unreadable or lacks an asset
    +-- StackNotFound            no stack of that name is deployed
    +-- StackConflict            the stack changed under us, or an export it owns is in use
    +-- ResourceFailed           creating, updating or deleting one resource failed (after
                                 which the deployer rolls back); ``cause`` is the API error

Messages follow CloudFormation's wording where it has one, so a template that fails here fails
with the text its author would see from ``cdk deploy``.
"""

from __future__ import annotations

from lakehose.errors import LakehoseError


class DeployError(LakehoseError):
    """Root of every deploy-layer failure."""


class TemplateError(DeployError):
    """The template is not valid (CloudFormation's "Template format error")."""


class UnsupportedResourceType(TemplateError):
    """The template declares resource types lakehose does not deploy."""


class ParameterError(DeployError):
    """A parameter is missing, unknown, or breaks its declared constraints."""


class RuleFailed(DeployError):
    """A template Rule's assertion evaluated to false."""


class AssemblyError(DeployError):
    """A cloud assembly (cdk.out) cannot be read or lacks a file it names."""


class StackNotFound(DeployError):
    """No stack of that name is deployed."""


class StackConflict(DeployError):
    """The stack was changed concurrently, or an export it owns is imported elsewhere."""


class ResourceFailed(DeployError):
    """One resource operation failed; ``cause`` is the underlying error."""

    def __init__(self, logical_id: str, resource_type: str, action: str, cause: Exception) -> None:
        super().__init__(f"{logical_id} ({resource_type}) {action} failed: {describe(cause)}")
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.action = action
        self.cause = cause


def describe(error: BaseException) -> str:
    """A one-line account of ``error``: boto3's ``Code: message`` when it is an API error."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        detail = response["Error"]
        return f"{detail.get('Code', '?')}: {detail.get('Message', '')}".rstrip(": ")
    return str(error) or type(error).__name__


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a boto3 ``ClientError``, else ``None``."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        code = response["Error"].get("Code")
        return str(code) if code is not None else None
    return None
