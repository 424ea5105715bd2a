"""SigV4 refusals, worded as AWS words them in each family of wire protocols.

Three families answer a bad signature differently:

- the JSON family (awsJson, Kinesis CBOR, Smithy RPC v2 CBOR, rest-json) speaks Coral's codes
  (``InvalidSignatureException``...), 400 except rest-json's 403;
- query services (STS) use their own codes for the same failures (``SignatureDoesNotMatch``
  403...) with the JSON family's messages;
- S3 (rest-xml) has codes, messages and statuses of its own, and adds diagnostic fields.

Where AWS's text could not be confirmed the choice is listed in ``docs/deviations.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lakehose.errors import ServiceError

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
# The region S3's global endpoint names when it expects another one.
S3_EXPECTED_REGION = "us-east-1"

# -- the JSON family (and, translated, query) ---------------------------------------------------
MISSING = "MissingAuthenticationTokenException"
INCOMPLETE = "IncompleteSignatureException"
INVALID = "InvalidSignatureException"
UNRECOGNIZED = "UnrecognizedClientException"
# The query protocol's codes for them, and the status each is sent with.
_QUERY: dict[str, tuple[str, int]] = {
    MISSING: ("MissingAuthenticationToken", 403),
    INCOMPLETE: ("IncompleteSignature", 400),
    INVALID: ("SignatureDoesNotMatch", 403),
    UNRECOGNIZED: ("InvalidClientTokenId", 403),
}
MISMATCH = "The request signature we calculated does not match the signature you provided."
MISMATCH_JSON = (
    f"{MISMATCH} Check your AWS Secret Access Key and signing method."
    " Consult the service documentation for details."
)
UNKNOWN_KEY_JSON = "The security token included in the request is invalid."
HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
BOTH_MECHANISMS_JSON = (
    "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
)


def header_not_signed_json(name: str) -> str:
    return f"'{name}' must be a 'SignedHeader' in the AWS Authorization."


def credential_parts_json(credential: str) -> str:
    return (
        "Credential must have exactly 5 slash-delimited elements, e.g."
        f" keyid/date/region/service/term, got '{credential}'"
    )


def scope_errors_json(
    *, region_ok: bool, service: str | None, terminator: str | None, date: tuple[str, str, str]
) -> str:
    """Every scope problem in one message, as Coral lists them; ``""`` when there is none.

    ``service`` is the expected service when the scope names another, ``terminator`` the wrong
    terminator, ``date`` (scope date, request date, request timestamp) compared as given.
    """
    parts = []
    if not region_ok:
        parts.append("Credential should be scoped to a valid region. ")
    if service is not None:
        parts.append(f"Credential should be scoped to correct service: '{service}'. ")
    if terminator is not None:
        parts.append(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}',"
            f" not '{terminator}'. "
        )
    scope_date, request_date, timestamp = date
    if scope_date != request_date:
        parts.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date"
            f" from HTTP: '{scope_date}' != '{request_date}', from '{timestamp}'."
        )
    return "".join(parts)


# -- S3 ----------------------------------------------------------------------------------------
HEADER_MALFORMED = "AuthorizationHeaderMalformed"
QUERY_MALFORMED = "AuthorizationQueryParametersError"
UNKNOWN_KEY_S3 = "The AWS Access Key Id you provided does not exist in our records."
MISMATCH_S3 = f"{MISMATCH} Check your key and signing method."
SIGV2 = f"The authorization mechanism you have provided is not supported. Please use {ALGORITHM}."
HEADERS_NOT_SIGNED = "There were headers present in the request which were not signed"
BODY_MISMATCH = "The provided 'x-amz-content-sha256' header does not match what was computed."
SKEWED = "The difference between the request time and the current time is too large."
MISSING_CONTENT_SHA256 = "Missing required header for this request: x-amz-content-sha256"
PAYLOAD_MARKERS = (
    "UNSIGNED-PAYLOAD",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
)
BAD_CONTENT_SHA256 = (
    f"x-amz-content-sha256 must be {', '.join(PAYLOAD_MARKERS)} or a valid sha256 value."
)
BOTH_MECHANISMS_S3 = (
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query"
    " string parameter or the Authorization header should be specified"
)
_MALFORMED_CREDENTIAL = (
    'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
)
COMPONENTS = (
    "The authorization header is malformed; the authorization header requires three components:"
    " Credential, SignedHeaders, and Signature."
)
QUERY_REQUIRED = (
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential,"
    " X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
)
EXPIRES_TOO_LONG = (
    "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must"
    " be less than 604800 seconds"
)


def s3_credential_prefix(presigned: bool) -> str:
    """How S3 opens a complaint about the credential, by where the credential travelled."""
    if presigned:
        return "Error parsing the X-Amz-Credential parameter; "
    return "The authorization header is malformed; "


def s3_malformed_credential(presigned: bool) -> str:
    return s3_credential_prefix(presigned) + _MALFORMED_CREDENTIAL


@dataclass(frozen=True)
class S3Refusal:
    code: str
    message: str
    status: int
    fields: Mapping[str, str] | None = None


def s3_scope_error(
    *,
    presigned: bool,
    region: str | None,
    service: str | None,
    terminator: str | None,
    date: tuple[str, str],
) -> S3Refusal | None:
    """S3's answer to the first scope problem (checked region first), or ``None``."""
    prefix = s3_credential_prefix(presigned)
    code = QUERY_MALFORMED if presigned else HEADER_MALFORMED
    scope_date, request_date = date
    if region is not None:
        message = f"{prefix}the region '{region}' is wrong; expecting '{S3_EXPECTED_REGION}'"
        return S3Refusal(code, message, 400, {"Region": S3_EXPECTED_REGION})
    if service is not None:
        return S3Refusal(
            code, f'{prefix}incorrect service "{service}". This endpoint belongs to "s3".', 400
        )
    if terminator is not None:
        message = f'{prefix}incorrect terminal "{terminator}". This endpoint uses "{TERMINATOR}".'
        return S3Refusal(code, message, 400)
    if not (len(scope_date) == 8 and scope_date.isascii() and scope_date.isdigit()):
        message = (
            f'{prefix}incorrect date format "{scope_date}". This date in the credential must be'
            ' in the format "yyyyMMdd".'
        )
        return S3Refusal(code, message, 400)
    if scope_date != request_date:
        if presigned:
            message = (
                f'Invalid credential date "{scope_date}". This date is not the same as'
                f' X-Amz-Date: "{request_date}".'
            )
        else:
            message = f"{prefix}Invalid credential date. Date is not the same as X-Amz-Date."
        return S3Refusal(code, message, 400)
    return None


# -- one refusal, in the request's protocol --------------------------------------------------


def refusal(
    protocol: str,
    json: tuple[str, str],
    s3: S3Refusal | tuple[str, str, int],
    fields: Mapping[str, str] | None = None,
) -> ServiceError:
    """The error ``protocol`` answers with: ``json`` (translated for query) or ``s3``.

    Only S3 reports diagnostic ``fields`` (the string it signed, the headers left unsigned...).
    """
    if protocol == "rest-xml":
        s3 = s3 if isinstance(s3, S3Refusal) else S3Refusal(*s3)
        extra = {**(s3.fields or {}), **(fields or {})}
        return ServiceError(
            s3.message, code=s3.code, status=s3.status, sender_fault=True, fields=extra or None
        )
    code, message = json
    if protocol == "query":
        code, status = _QUERY[code]
    else:
        # Lambda's REST front end answers authentication failures with 403; JSON-RPC services, 400.
        status = 403 if protocol == "rest-json" else 400
    return ServiceError(message, code=code, status=status, sender_fault=True)
