"""STS errors, each named exactly by the code STS answers, with its message texts.

STS speaks the query protocol, whose codes need not match the model's shape names
(``MalformedPolicyDocumentException`` is answered as ``MalformedPolicyDocument``); the classes
here are named after the codes on the wire, which is what clients match on.

Exception tree (all ``lakehose.errors.ServiceError``)::

    ValidationError           a value STS refuses beyond the model's constraints
    InvalidParameterValue     session tags that contradict each other
    MalformedPolicyDocument   a session policy that is not a JSON object
    AccessDenied              a RoleArn that names no role
    ExpiredToken              a call signed with the key of an expired session
"""

from __future__ import annotations

from lakehose.errors import ServiceError

__all__ = [
    "AccessDenied",
    "ExpiredToken",
    "InvalidParameterValue",
    "MalformedPolicyDocument",
    "ValidationError",
]


class ValidationError(ServiceError):
    status = 400

    @classmethod
    def arn(cls, text: str) -> ValidationError:
        # AWS's text for a RoleArn that does not parse, as LocalStack's AWS-validated
        # snapshots of STS record it (test_sts_invalid_parameters).
        return cls(f"{text} is invalid")

    @classmethod
    def chained_duration(cls) -> ValidationError:
        # AWS's text, as users of aws-vault, prowler and aws-runas logged it.
        return cls(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed "
            "by role chaining."
        )


class InvalidParameterValue(ServiceError):
    status = 400

    @classmethod
    def duplicate_tags(cls) -> InvalidParameterValue:
        # AWS's text, recorded by LocalStack's AWS-validated STS snapshots.
        return cls("Duplicate tag keys found. Please note that Tag keys are case insensitive.")

    @classmethod
    def transitive_key(cls) -> InvalidParameterValue:
        # AWS's text, recorded by LocalStack's AWS-validated STS snapshots.
        return cls("The specified transitive tag key must be included in the requested tags.")


class MalformedPolicyDocument(ServiceError):
    status = 400

    @classmethod
    def not_json(cls) -> MalformedPolicyDocument:
        # lakehose's wording: AWS answers with its JSON parser's own diagnostic.
        return cls("The session policy is not a valid JSON object")


class AccessDenied(ServiceError):
    status = 403

    @classmethod
    def assume(cls, caller_arn: str, role_arn: str) -> AccessDenied:
        """IAM's wording when the caller may not assume ``role_arn``."""
        return cls(
            f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: "
            f"{role_arn}"
        )


class ExpiredToken(ServiceError):
    status = 403

    @classmethod
    def session(cls) -> ExpiredToken:
        return cls("The security token included in the request is expired")
