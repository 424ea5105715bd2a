"""One handler per supported resource type (see ``base`` for the contract)."""

from __future__ import annotations

from lakehose.deploy.resources.athena import AthenaNamedQuery, AthenaWorkGroup
from lakehose.deploy.resources.awslambda import (
    LambdaAlias,
    LambdaEventSourceMapping,
    LambdaFunction,
    LambdaPermission,
    LambdaVersion,
)
from lakehose.deploy.resources.base import REPLACE, Context, ResourceHandler
from lakehose.deploy.resources.custom import S3AutoDeleteObjects
from lakehose.deploy.resources.dynamodb import DynamoDBTable
from lakehose.deploy.resources.firehose import FirehoseDeliveryStream
from lakehose.deploy.resources.glue import GlueDatabase, GlueTable
from lakehose.deploy.resources.kinesis import KinesisStream
from lakehose.deploy.resources.logs import LogGroup, LogRetention
from lakehose.deploy.resources.recorded import (
    CdkMetadata,
    IamManagedPolicy,
    IamPolicy,
    IamRole,
    NativeProvider,
)
from lakehose.deploy.resources.s3 import S3Bucket, S3BucketPolicy

HANDLERS: dict[str, ResourceHandler] = {
    handler.type: handler
    for handler in (
        DynamoDBTable(), KinesisStream(), FirehoseDeliveryStream(), S3Bucket(), S3BucketPolicy(),
        LambdaFunction(), LambdaPermission(), GlueDatabase(), GlueTable(), AthenaWorkGroup(),
        AthenaNamedQuery(), IamRole(), IamPolicy(), IamManagedPolicy(), LogGroup(), CdkMetadata(),
        S3AutoDeleteObjects(), LogRetention(), LambdaVersion(), LambdaAlias(),
        LambdaEventSourceMapping(),
    )
}  # fmt: skip

# Custom resource types handled natively, whose provider functions are therefore not created.
NATIVE_CUSTOM_TYPES = frozenset({"Custom::S3AutoDeleteObjects", "Custom::LogRetention"})
PROVIDER = NativeProvider()

__all__ = ["HANDLERS", "NATIVE_CUSTOM_TYPES", "PROVIDER", "REPLACE", "Context", "ResourceHandler"]
