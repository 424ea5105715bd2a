"""Lambda errors, each named exactly by its AWS error code, with AWS's message texts.

HTTP statuses come from the Lambda model's error shapes (404 for ``ResourceNotFoundException``,
409 for ``ResourceConflictException``, 429 for ``TooManyRequestsException``...). The message texts
are the ones AWS sends, as quoted in AWS's documentation, in error reports from real accounts
(Terraform, CloudFormation and SDK issue threads), and in LocalStack's snapshot-tested provider;
the constructors below keep each wording in one place.

Exception tree (all ``lakehose.errors.ServiceError``)::

    ResourceNotFoundException       unknown function, version, alias, policy or statement
    ResourceConflictException       the function, alias or statement exists already; a version
                                    an alias points to
    InvalidParameterValueException  a value the model allows but Lambda does not
    InvalidRequestContentException  an Invoke payload or client context that is not JSON
    RequestTooLargeException        an Invoke payload over the synchronous or event limit
    TooManyRequestsException        the function's concurrency is exhausted
    PreconditionFailedException     a RevisionId that is not the current one
    InvalidRuntimeException         the runtime cannot run on this machine (no ``node``)
    ServiceException                the engine is closing and takes no new invocation
"""

from __future__ import annotations

from lakehose.errors import ServiceError

__all__ = [
    "InvalidParameterValueException",
    "InvalidRequestContentException",
    "InvalidRuntimeException",
    "PreconditionFailedException",
    "RequestTooLargeException",
    "ResourceConflictException",
    "ResourceNotFoundException",
    "ServiceException",
    "TooManyRequestsException",
]


class ResourceNotFoundException(ServiceError):
    @classmethod
    def function(cls, arn: str) -> ResourceNotFoundException:
        """A function (or a qualified version of it) that does not exist."""
        return cls(f"Function not found: {arn}")

    @classmethod
    def alias(cls, arn: str) -> ResourceNotFoundException:
        return cls(f"Cannot find alias arn: {arn}")

    @classmethod
    def region(cls, requested: str, served: str) -> ResourceNotFoundException:
        return cls(f"Functions from '{requested}' are not reachable in this region ('{served}')")

    @classmethod
    def no_resource(cls) -> ResourceNotFoundException:
        """A policy, event source mapping or other resource that does not exist."""
        return cls("The resource you requested does not exist.")

    @classmethod
    def no_policy_to_remove(cls) -> ResourceNotFoundException:
        return cls("No policy is associated with the given resource.")

    @classmethod
    def statement(cls, statement_id: str) -> ResourceNotFoundException:
        return cls(f"Statement {statement_id} is not found in resource policy.")


class ResourceConflictException(ServiceError):
    @classmethod
    def function_exists(cls, name: str) -> ResourceConflictException:
        return cls(f"Function already exist: {name}")

    @classmethod
    def alias_exists(cls, arn: str) -> ResourceConflictException:
        return cls(f"Alias already exists: {arn}")

    @classmethod
    def version_in_use(cls, aliases: list[str]) -> ResourceConflictException:
        return cls(
            "Unable to delete version because the following aliases reference it: "
            f"[{', '.join(aliases)}]"
        )

    @classmethod
    def statement_exists(cls, statement_id: str) -> ResourceConflictException:
        return cls(
            f"The statement id ({statement_id}) provided already exists. Please provide a new "
            "statement id, or remove the existing statement."
        )


class InvalidParameterValueException(ServiceError):
    @classmethod
    def bad_zip(cls) -> InvalidParameterValueException:
        return cls(
            "Could not unzip uploaded file. Please check your file, then try to upload again."
        )

    @classmethod
    def s3_object(cls, s3_code: str, s3_message: str) -> InvalidParameterValueException:
        """Code in S3 that could not be read, with S3's own error code and message."""
        return cls(
            f"Error occurred while GetObject. S3 Error Code: {s3_code}. "
            f"S3 Error Message: {s3_message}"
        )

    @classmethod
    def deprecated_runtime(cls, runtime: str, newest: str) -> InvalidParameterValueException:
        return cls(
            f"The runtime parameter of {runtime} is no longer supported for creating or updating "
            f"AWS Lambda functions. We recommend you use the new runtime ({newest}) while "
            "creating or updating functions."
        )

    @classmethod
    def reserved_variables(cls, keys: list[str]) -> InvalidParameterValueException:
        return cls(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            f"for modification. Reserved keys used in this request: {', '.join(keys)}"
        )

    @classmethod
    def variables_too_large(cls, measured: str) -> InvalidParameterValueException:
        return cls(
            "Lambda was unable to configure your environment variables because the environment "
            f"variables you have provided exceeded the 4KB limit. String measured: {measured}"
        )

    @classmethod
    def code_sha256(cls, given: str, current: str) -> InvalidParameterValueException:
        return cls(
            f"CodeSHA256 ({given}) is different from current CodeSHA256 in $LATEST ({current}). "
            "Please try again with the CodeSHA256 in $LATEST."
        )

    @classmethod
    def qualifier_mismatch(cls) -> InvalidParameterValueException:
        return cls(
            "The derived qualifier from the function name does not match the specified qualifier."
        )


class InvalidRequestContentException(ServiceError):
    @classmethod
    def payload(cls, detail: str) -> InvalidRequestContentException:
        return cls(
            f"Could not parse request body into json: Could not parse payload into json: {detail}"
        )

    @classmethod
    def client_context(cls) -> InvalidRequestContentException:
        return cls("Client context must be a valid Base64-encoded JSON object.")


class RequestTooLargeException(ServiceError):
    @classmethod
    def payload(cls, limit: int, operation: str) -> RequestTooLargeException:
        return cls(f"Request must be smaller than {limit} bytes for the {operation} operation")


class TooManyRequestsException(ServiceError):
    @classmethod
    def throttled(cls, reason: str) -> TooManyRequestsException:
        """An invocation over the function's concurrency; ``reason`` is AWS's ``Reason`` code."""
        return cls("Rate Exceeded.", fields={"Reason": reason, "retryAfterSeconds": "1"})


class PreconditionFailedException(ServiceError):
    @classmethod
    def function_revision(cls) -> PreconditionFailedException:
        return cls(
            "The Revision Id provided does not match the latest Revision Id. Call the "
            "GetFunction/GetAlias API to retrieve the latest Revision Id"
        )

    @classmethod
    def policy_revision(cls) -> PreconditionFailedException:
        return cls(
            "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy "
            "API to retrieve the latest Revision Id"
        )


class ServiceException(ServiceError):
    sender_fault = False

    @classmethod
    def shutting_down(cls) -> ServiceException:
        return cls("The Lambda engine is shutting down.")


class InvalidRuntimeException(ServiceError):
    @classmethod
    def unavailable(cls, runtime: str, executable: str) -> InvalidRuntimeException:
        return cls(
            f"The runtime {runtime} cannot run on this machine: lakehose runs it with "
            f"'{executable}', which was not found. Install Node.js or set the option "
            "lambda.node_executable."
        )
