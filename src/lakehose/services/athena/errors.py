"""Athena errors, named by AWS error code, with Athena's message texts.

Athena answers almost every client mistake with ``InvalidRequestException`` and tells the cases
apart by its ``AthenaErrorCode`` member; the constructors below keep each wording in one place.
Where a text was measured against Athena the source is named next to it; the others follow the
measured pattern and are marked "not measured".

Exception tree (all ``lakehose.errors.ServiceError``)::

    InvalidRequestException        any request Athena refuses (bad input, unknown id, wrong state)
    MetadataException              the data catalog has no such database or table
    ResourceNotFoundException      the tag operations' unknown resource
    InternalServerException        a lakehose failure the client cannot fix
"""

from __future__ import annotations

from lakehose.errors import ServiceError

__all__ = [
    "InternalServerException",
    "InvalidRequestException",
    "MetadataException",
    "ResourceNotFoundException",
]

# AthenaErrorCode values (measured by aoyagikouhei/athena-local against Athena, 2026-09).
INVALID_INPUT = "INVALID_INPUT"
INVALID_QUERY_EXECUTION_STATE = "INVALID_QUERY_EXECUTION_STATE"
RESULT_NOT_FOUND = "RESULT_NOT_FOUND"
QUERY_EXECUTION_NOT_FOUND = "QUERY_EXECUTION_NOT_FOUND"
IDEMPOTENT_PARAMETER_MISMATCH = "IDEMPOTENT_PARAMETER_MISMATCH"


class InvalidRequestException(ServiceError):
    """Athena's answer to a request it will not carry out, with its ``AthenaErrorCode``."""

    status = 400

    def __init__(self, message: str, athena_error_code: str = INVALID_INPUT) -> None:
        super().__init__(message, fields={"AthenaErrorCode": athena_error_code})
        self.athena_error_code = athena_error_code

    # -- workgroups ---------------------------------------------------------------------------

    @classmethod
    def workgroup_not_found(cls) -> InvalidRequestException:
        # Measured for GetWorkGroup and StartQueryExecution (athena-local README, 2026-09-17).
        return cls("WorkGroup is not found.")

    @classmethod
    def workgroup_exists(cls) -> InvalidRequestException:
        return cls("WorkGroup already exists")  # floci, probed against AWS

    @classmethod
    def primary_reserved(cls, verb: str) -> InvalidRequestException:
        # "primary workGroup could not be created" is AWS's (terraform-provider-aws #37845);
        # the delete wording follows it (not measured).
        return cls(f"primary workGroup could not be {verb}")

    @classmethod
    def workgroup_not_empty(cls, name: str) -> InvalidRequestException:
        # CloudFormation relays it as "WorkGroup ... is not empty" (aws-samples coast #9).
        return cls(f"WorkGroup {name} is not empty")

    @classmethod
    def workgroup_disabled(cls, name: str) -> InvalidRequestException:
        return cls(f"WorkGroup {name} is disabled.")  # not measured

    # -- named queries and executions ---------------------------------------------------------

    @classmethod
    def named_query_not_found(cls, named_query_id: str) -> InvalidRequestException:
        return cls(f"NamedQuery {named_query_id} was not found")  # as for executions

    @classmethod
    def execution_not_found(cls, execution_id: str) -> InvalidRequestException:
        return cls(f"QueryExecution {execution_id} was not found", QUERY_EXECUTION_NOT_FOUND)

    @classmethod
    def idempotent_mismatch(cls) -> InvalidRequestException:
        return cls("Idempotent parameters do not match", IDEMPOTENT_PARAMETER_MISMATCH)

    @classmethod
    def token_missing(cls) -> InvalidRequestException:
        # SDKs always send one (the model marks it idempotencyToken); raw HTTP callers must.
        return cls("clientRequestToken is null or empty")

    @classmethod
    def no_output_location(cls) -> InvalidRequestException:
        return cls(
            "No output location provided. An output location is required either through the "
            "Workgroup result configuration setting or as an API input."
        )

    @classmethod
    def invalid_output_location(cls) -> InvalidRequestException:
        return cls("outputLocation is not a valid S3 path.")

    @classmethod
    def output_bucket_unavailable(cls, bucket: str) -> InvalidRequestException:
        return cls(f"Unable to verify/create output bucket {bucket}")

    @classmethod
    def not_finished(cls, state: str) -> InvalidRequestException:
        return cls(
            f"Query has not yet finished. Current state: {state}", INVALID_QUERY_EXECUTION_STATE
        )

    @classmethod
    def did_not_succeed(cls, state: str) -> InvalidRequestException:
        return cls(
            f"Query did not finish successfully. Final query state: {state}",
            INVALID_QUERY_EXECUTION_STATE,
        )

    @classmethod
    def results_missing(cls) -> InvalidRequestException:
        return cls("Could not find results", RESULT_NOT_FOUND)

    @classmethod
    def prepared_statement_exists(cls, name: str) -> InvalidRequestException:
        return cls(f"Prepared statement {name} already exists")  # not measured

    # -- paging -------------------------------------------------------------------------------

    @classmethod
    def catalog_not_found(cls, name: str) -> InvalidRequestException:
        return cls(f"DataCatalog {name} was not found.")  # floci, probed against AWS

    @classmethod
    def malformed_token(cls, token: str) -> InvalidRequestException:
        return cls(f"The nextPageToken is malformed: {token}")  # measured for ListWorkGroups

    # -- what lakehose does not do --------------------------------------------------------------

    @classmethod
    def unsupported(cls, what: str) -> InvalidRequestException:
        """An option lakehose cannot honour: refused, never silently dropped."""
        return cls(f"lakehose does not support {what}")


class MetadataException(ServiceError):
    status = 400

    @classmethod
    def not_found(cls, request_id: str) -> MetadataException:
        # Athena relays Glue's error (noctua #205, 2023): "Entity Not Found (Service:
        # AmazonDataCatalog; Status Code: 400; Error Code: EntityNotFoundException; ...)".
        return cls(
            "Entity Not Found (Service: AmazonDataCatalog; Status Code: 400; Error Code: "
            f"EntityNotFoundException; Request ID: {request_id}; Proxy: null)"
        )


class ResourceNotFoundException(ServiceError):
    status = 400

    @classmethod
    def resource(cls, arn: str) -> ResourceNotFoundException:
        return cls(f"Resource {arn} was not found.", fields={"ResourceName": arn})  # floci

    @classmethod
    def prepared_statement(cls, name: str) -> ResourceNotFoundException:
        # As for executions and named queries (not measured).
        return cls(f"PreparedStatement {name} was not found", fields={"ResourceName": name})


class InternalServerException(ServiceError):
    sender_fault = False
    status = 500
