"""S3 errors, each named exactly by its AWS error code, with S3's status and message texts.

S3 errors carry their HTTP status (S3's model declares none) and the extra elements S3 puts next
to ``Code`` and ``Message`` (``BucketName``, ``Key``, ``UploadId``, ``Condition``...).

Where the texts come from: the "List of error codes" table of the S3 API reference (Error
responses) for the descriptions S3 sends as messages, and, where S3's wire text differs from that
table, responses recorded from S3 by moto, LocalStack and the SDKs' own tests (noted per class).

Exception tree (all ``lakehose.errors.ServiceError``)::

    NoSuchBucket, NoSuchKey, NoSuchUpload, NoSuchTagSet, NoSuchBucketPolicy,
    NoSuchVersion, OwnershipControlsNotFoundError,
    NoSuchPublicAccessBlockConfiguration                                         404
    AccessDenied                                                                 403
    MethodNotAllowed                                                             405
    BucketAlreadyExists, BucketAlreadyOwnedByYou, BucketNotEmpty                 409
    AccessControlListNotSupported, InvalidBucketAclWithObjectOwnership,
    MalformedACLError, MissingSecurityHeader, UnexpectedContent,
    KmsNotFound (code KMS.NotFoundException), IllegalVersioningConfigurationException 400
    InvalidBucketName, IllegalLocationConstraintException, InvalidLocationConstraint,
    KeyTooLongError, InvalidArgument, InvalidRequest, InvalidPart, InvalidPartOrder,
    EntityTooSmall, BadDigest, InvalidDigest, InvalidTag, MalformedPolicy,
    MalformedXML, MetadataTooLarge, InvalidStorageClass                         400
    PreconditionFailed                                                           412
    InvalidRange                                                                 416
    NotModified                                                                  304 (no body)
    UnsupportedHeader (code NotImplemented)                                      501
"""

from __future__ import annotations

from typing import Any

from lakehose.errors import ServiceError


class S3Error(ServiceError):
    """Base of the S3 errors: a status of its own and S3's extra elements as ``fields``."""

    default_message = ""

    def __init__(self, message: str | None = None, **fields: Any) -> None:
        super().__init__(message if message is not None else self.default_message, fields=fields)


class NoSuchBucket(S3Error):
    status = 404
    default_message = "The specified bucket does not exist"

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class NoSuchKey(S3Error):
    """No such key; when a delete marker is the key's latest version, its output headers
    (``DeleteMarker``, ``VersionId``) travel as ``fields`` the protocol puts in the headers."""

    status = 404
    default_message = "The specified key does not exist."

    def __init__(self, key: str, **headers: Any) -> None:
        super().__init__(Key=key, **headers)


class NoSuchUpload(S3Error):
    status = 404
    default_message = (
        "The specified upload does not exist. The upload ID may be invalid, or the upload may "
        "have been aborted or completed."
    )

    def __init__(self, upload_id: str) -> None:
        super().__init__(UploadId=upload_id)


class NoSuchTagSet(S3Error):
    status = 404
    default_message = "The TagSet does not exist"

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class NoSuchBucketPolicy(S3Error):
    status = 404
    default_message = "The bucket policy does not exist"

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class BucketAlreadyExists(S3Error):
    """Another account owns the name: bucket names are one namespace across all accounts."""

    status = 409
    default_message = (
        "The requested bucket name is not available. The bucket namespace is shared by all "
        "users of the system. Please select a different name and try again."
    )

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class BucketAlreadyOwnedByYou(S3Error):
    status = 409
    # The wire text; the error table's description paraphrases it.
    default_message = (
        "Your previous request to create the named bucket succeeded and you already own it."
    )

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class BucketNotEmpty(S3Error):
    status = 409
    default_message = "The bucket you tried to delete is not empty"

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class InvalidBucketName(S3Error):
    status = 400
    default_message = "The specified bucket is not valid."

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class IllegalLocationConstraintException(S3Error):
    status = 400

    def __init__(self, constraint: str | None) -> None:
        named = "unspecified" if constraint is None else constraint
        super().__init__(
            f"The {named} location constraint is incompatible for the region specific endpoint "
            "this request was sent to."
        )


class InvalidLocationConstraint(S3Error):
    status = 400
    default_message = "The specified location-constraint is not valid"

    def __init__(self, constraint: str) -> None:
        super().__init__(LocationConstraint=constraint)


class KeyTooLongError(S3Error):
    status = 400
    default_message = "Your key is too long"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(Size=size, MaxSizeAllowed=limit)


class InvalidArgument(S3Error):
    status = 400

    def __init__(self, message: str, name: str, value: Any) -> None:
        super().__init__(message, ArgumentName=name, ArgumentValue=value)


class InvalidRequest(S3Error):
    status = 400


class InvalidPart(S3Error):
    status = 400
    default_message = (
        "One or more of the specified parts could not be found.  The part may not have been "
        "uploaded, or the specified entity tag may not match the part's entity tag."
    )

    def __init__(self, upload_id: str, part_number: int, etag: str) -> None:
        super().__init__(UploadId=upload_id, PartNumber=part_number, ETag=etag)


class InvalidPartOrder(S3Error):
    status = 400
    default_message = (
        "The list of parts was not in ascending order. The parts list must be specified in order "
        "by part number."
    )

    def __init__(self, upload_id: str) -> None:
        super().__init__(UploadId=upload_id)


class EntityTooSmall(S3Error):
    status = 400
    default_message = "Your proposed upload is smaller than the minimum allowed size"

    def __init__(self, size: int, minimum: int, part_number: int, etag: str) -> None:
        super().__init__(
            ProposedSize=size, MinSizeAllowed=minimum, PartNumber=part_number, ETag=etag
        )


class BadDigest(S3Error):
    status = 400

    @classmethod
    def content_md5(cls, expected_hex: str, calculated_base64: str) -> BadDigest:
        return cls(
            "The Content-MD5 you specified did not match what we received.",
            ExpectedDigest=expected_hex,
            CalculatedDigest=calculated_base64,
        )

    @classmethod
    def checksum(cls, algorithm: str) -> BadDigest:
        return cls(f"The {algorithm} you specified did not match the calculated checksum.")


class InvalidDigest(S3Error):
    status = 400
    default_message = "The Content-MD5 you specified was invalid."

    def __init__(self, given: str) -> None:
        super().__init__(**{"Content-MD5": given})


class InvalidTag(S3Error):
    status = 400


class MalformedPolicy(S3Error):
    status = 400
    default_message = "Policies must be valid JSON and the first byte must be '{'"


class MalformedXML(S3Error):
    status = 400
    default_message = (
        "The XML you provided was not well-formed or did not validate against our published schema"
    )


class MetadataTooLarge(S3Error):
    status = 400
    default_message = "Your metadata headers exceed the maximum allowed metadata size"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(Size=size, MaxSizeAllowed=limit)


class InvalidStorageClass(S3Error):
    status = 400
    default_message = "The storage class you specified is not valid"

    def __init__(self, storage_class: str) -> None:
        super().__init__(StorageClassRequested=storage_class)


class PreconditionFailed(S3Error):
    status = 412
    default_message = "At least one of the pre-conditions you specified did not hold"

    def __init__(self, condition: str) -> None:
        super().__init__(Condition=condition)


class InvalidRange(S3Error):
    status = 416
    default_message = "The requested range is not satisfiable"

    def __init__(self, requested: str, size: int) -> None:
        super().__init__(RangeRequested=requested, ActualObjectSize=size)


class NotModified(S3Error):
    """GET or HEAD with a condition that says the client's copy is current: 304, no body.

    S3 still sends the object's ``ETag`` and ``Last-Modified`` (RFC 7232 section 4.1), given
    as output members in ``fields``."""

    status = 304
    default_message = "Not Modified"

    def __init__(self, **headers: Any) -> None:
        super().__init__(**headers)


class UnsupportedHeader(S3Error):
    """S3's ``NotImplemented``: a header asks for a feature lakehose does not have.

    S3's message names nothing; the header it means is added, so that a user learns what.
    """

    code = "NotImplemented"
    status = 501

    def __init__(self, header: str) -> None:
        super().__init__(
            "A header you provided implies functionality that is not implemented "
            f"(lakehose does not implement {header})",
            Header=header,
        )


class NoSuchVersion(S3Error):
    status = 404
    default_message = "The specified version does not exist."

    def __init__(self, key: str, version_id: str) -> None:
        super().__init__(Key=key, VersionId=version_id)


class OwnershipControlsNotFoundError(S3Error):
    status = 404
    default_message = "The bucket ownership controls were not found"

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class NoSuchPublicAccessBlockConfiguration(S3Error):
    status = 404
    default_message = "The public access block configuration was not found"

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class AccessDenied(S3Error):
    status = 403
    default_message = "Access Denied"


class MethodNotAllowed(S3Error):
    """A version id that names a delete marker, read as an object (405)."""

    status = 405
    default_message = "The specified method is not allowed against this resource."

    def __init__(self, method: str, resource_type: str, **headers: Any) -> None:
        super().__init__(Method=method, ResourceType=resource_type, **headers)


class AccessControlListNotSupported(S3Error):
    status = 400
    default_message = "The bucket does not allow ACLs"


class InvalidBucketAclWithObjectOwnership(S3Error):
    status = 400
    default_message = (
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"
    )


class MalformedACLError(S3Error):
    status = 400
    default_message = (
        "The XML you provided was not well-formed or did not validate against our published schema"
    )


class MissingSecurityHeader(S3Error):
    status = 400
    default_message = "Your request was missing a required header"

    def __init__(self, header: str) -> None:
        super().__init__(MissingHeaderName=header)


class UnexpectedContent(S3Error):
    status = 400
    default_message = "This request does not support content"


class KmsNotFound(S3Error):
    """A KMS key id S3 cannot use (the message says why), as KMS's NotFoundException."""

    code = "KMS.NotFoundException"
    status = 400


class IllegalVersioningConfigurationException(S3Error):
    status = 400
    default_message = "The Versioning element must be specified"


class InvalidPartNumber(S3Error):
    status = 416
    default_message = "The requested partnumber is not satisfiable"

    def __init__(self, requested: int, count: int) -> None:
        super().__init__(PartNumberRequested=requested, ActualPartCount=count)


class NoSuchLifecycleConfiguration(S3Error):
    status = 404
    default_message = "The lifecycle configuration does not exist"

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class MissingContentLength(S3Error):
    status = 411
    default_message = "You must provide the Content-Length HTTP header."


class NoSuchCORSConfiguration(S3Error):
    status = 404
    default_message = "The CORS configuration does not exist"

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class NoSuchWebsiteConfiguration(S3Error):
    status = 404
    default_message = "The specified bucket does not have a website configuration"

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class ReplicationConfigurationNotFoundError(S3Error):
    status = 404
    default_message = "The replication configuration was not found"

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class ObjectLockConfigurationNotFoundError(S3Error):
    status = 404
    default_message = "Object Lock configuration does not exist for this bucket"

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class InvalidTargetBucketForLogging(S3Error):
    status = 400
    default_message = "The target bucket for logging does not exist"

    def __init__(self, bucket: str) -> None:
        super().__init__(TargetBucket=bucket)


class CrossLocationLoggingProhibitted(S3Error):
    """S3's own spelling of the code."""

    status = 403
    default_message = "Cross S3 location logging not allowed. "

    def __init__(self, region: str) -> None:
        super().__init__(TargetBucketLocation=region)
