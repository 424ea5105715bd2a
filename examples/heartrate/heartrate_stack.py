"""The article's heart-rate pipeline as one CDK stack, with the article's resource names.

DynamoDB ``heartrate-ddb`` --(Kinesis Data Streams for DynamoDB)--> Kinesis ``heartrate-kinesis``
--> Firehose ``heartrate-firehose`` (Lambda appends a newline, GZIP, 1 MiB / 60 s) --> S3 bucket
``data/year=/month=/day=/hour=/`` --> Glue ``heartrate-glue-db.heartrate-glue-table`` --> Athena
workgroup ``heartrate-athena-workgroup`` with the named queries ``high-heart-rate`` and
``current-state``. Where this differs from the article, README.md says why, one line per fix.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_athena as athena
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

STACK_NAME = "heartrate"
TABLE_NAME = "heartrate-ddb"
STREAM_NAME = "heartrate-kinesis"
DELIVERY_STREAM_NAME = "heartrate-firehose"
DATABASE_NAME = "heartrate-glue-db"
GLUE_TABLE_NAME = "heartrate-glue-table"
WORKGROUP_NAME = "heartrate-athena-workgroup"

LAMBDA_DIR = Path(__file__).parent / "lambda"
# Test runs leave bytecode next to the handler; it must not change the asset or its hash.
LAMBDA_EXCLUDES = ["__pycache__", "*.pyc"]

DATA_PREFIX = "data/"
DELIVERY_PREFIX = (
    "data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
)
ERROR_PREFIX = "errors/"
RESULTS_PREFIX = "athena-results/"

# Every attribute the generator writes is a DynamoDB string (``{"S": ...}``). HeartRate and
# SensorID stay ``int`` as in the article: the OpenX SerDe reads the quoted numerals into int,
# which is what lets the article's ``HeartRate.S > 120`` compare numbers.
IMAGE_TYPE = (
    "struct<id:struct<S:string>,HeartRate:struct<S:int>,SensorID:struct<S:int>,"
    "ReportTime:struct<S:string>>"
)
# The whole KDS-for-DynamoDB record, in the order DynamoDB writes its keys.
COLUMNS = [
    ("awsRegion", "string"),
    ("eventID", "string"),
    ("eventName", "string"),
    ("userIdentity", "struct<type:string,principalId:string>"),
    ("recordFormat", "string"),
    ("tableName", "string"),
    (
        "dynamodb",
        "struct<ApproximateCreationDateTime:bigint,Keys:struct<id:struct<S:string>>,"
        f"NewImage:{IMAGE_TYPE},OldImage:{IMAGE_TYPE},SizeBytes:bigint>",
    ),
    ("eventSource", "string"),
]
PARTITION_KEYS = ["year", "month", "day", "hour"]

# Partition projection: Athena computes the partitions from these properties, so no crawler,
# MSCK REPAIR or ADD PARTITION is needed as hours pass. Year is a date range ending NOW so an
# unfiltered query enumerates only the years that can hold data.
PROJECTION = {
    "projection.enabled": "true",
    "projection.year.type": "date",
    "projection.year.format": "yyyy",
    "projection.year.range": "2023,NOW",
    "projection.year.interval": "1",
    "projection.year.interval.unit": "YEARS",
    "projection.month.type": "integer",
    "projection.month.range": "1,12",
    "projection.month.digits": "2",
    "projection.day.type": "integer",
    "projection.day.range": "1,31",
    "projection.day.digits": "2",
    "projection.hour.type": "integer",
    "projection.hour.range": "0,23",
    "projection.hour.digits": "2",
}

# The article's query, renamed from "hight-heart-rate".
HIGH_HEART_RATE_SQL = f"""SELECT dynamodb.newimage.Id.S as ID,
dynamodb.newimage.HeartRate.S as HeartRate,
dynamodb.newimage.SensorID.S as SensorID,
dynamodb.newimage.ReportTime.S as ReportTime
FROM "{GLUE_TABLE_NAME}"
WHERE dynamodb.newimage.HeartRate.S > 120
"""

# The table as it is now: the latest change per key wins, and a key whose latest change is a
# REMOVE is gone. Changes within the same millisecond fall back to INSERT < MODIFY < REMOVE,
# the order one item's changes can follow each other in.
CURRENT_STATE_SQL = f"""SELECT id AS ID,
heart_rate AS HeartRate,
sensor_id AS SensorID,
report_time AS ReportTime
FROM (
  SELECT dynamodb.keys.id.s AS id,
  dynamodb.newimage.heartrate.s AS heart_rate,
  dynamodb.newimage.sensorid.s AS sensor_id,
  dynamodb.newimage.reporttime.s AS report_time,
  eventname AS event_name,
  row_number() OVER (
    PARTITION BY dynamodb.keys.id.s
    ORDER BY dynamodb.approximatecreationdatetime DESC,
    CASE eventname WHEN 'REMOVE' THEN 2 WHEN 'MODIFY' THEN 1 ELSE 0 END DESC
  ) AS position
  FROM "{GLUE_TABLE_NAME}"
)
WHERE position = 1 AND event_name <> 'REMOVE'
ORDER BY ID
"""


class HeartRateStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        stream = self._table_and_stream()
        bucket = self._delivery(stream)
        database = self._catalog(bucket)
        self._athena(bucket, database)
        cdk.CfnOutput(self, "BucketName", value=bucket.bucket_name)

    def _table_and_stream(self) -> kinesis.Stream:
        stream = kinesis.Stream(
            self,
            "Stream",
            stream_name=STREAM_NAME,
            shard_count=1,
            # CDK retains streams by default; a retained stream makes the next deploy fail
            # because its name is taken.
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        dynamodb.Table(
            self,
            "Table",
            table_name=TABLE_NAME,
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            # On demand: a generator writing a few hundred readings a second would be
            # throttled by the article's default 5 write units.
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            kinesis_stream=stream,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        return stream

    def _delivery(self, stream: kinesis.Stream) -> s3.Bucket:
        role = iam.Role(
            self, "FirehoseRole", assumed_by=iam.ServicePrincipal("firehose.amazonaws.com")
        )
        stream.grant_read(role)
        bucket = s3.Bucket(
            self,
            "Bucket",
            removal_policy=cdk.RemovalPolicy.DESTROY,
            auto_delete_objects=True,
        )
        # Read too: Firehose lists the bucket and its multipart uploads when it delivers.
        bucket.grant_read_write(role)

        transform = lambda_.Function(
            self,
            "TransformFirehose",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="transform.handler",
            code=lambda_.Code.from_asset(str(LAMBDA_DIR), exclude=LAMBDA_EXCLUDES),
            # Firehose allows a transformation up to 5 minutes; the 3 s default is too tight
            # for a full 1 MiB batch on a cold start.
            timeout=cdk.Duration.minutes(1),
            # An explicit log group instead of ``log_retention``, which would add a custom
            # resource and its own Lambda just to set the retention.
            log_group=logs.LogGroup(
                self,
                "TransformFirehoseLogs",
                retention=logs.RetentionDays.ONE_DAY,
                removal_policy=cdk.RemovalPolicy.DESTROY,
            ),
        )
        transform.grant_invoke(role)
        # Firehose reads the function's configuration before invoking it.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["lambda:GetFunctionConfiguration"], resources=[transform.function_arn]
            )
        )

        delivery = firehose.CfnDeliveryStream(
            self,
            "FirehoseStreamToS3",
            delivery_stream_name=DELIVERY_STREAM_NAME,
            delivery_stream_type="KinesisStreamAsSource",
            kinesis_stream_source_configuration=firehose.CfnDeliveryStream.KinesisStreamSourceConfigurationProperty(
                kinesis_stream_arn=stream.stream_arn, role_arn=role.role_arn
            ),
            extended_s3_destination_configuration=firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty(
                bucket_arn=bucket.bucket_arn,
                role_arn=role.role_arn,
                buffering_hints=firehose.CfnDeliveryStream.BufferingHintsProperty(
                    size_in_m_bs=1, interval_in_seconds=60
                ),
                compression_format="GZIP",
                encryption_configuration=firehose.CfnDeliveryStream.EncryptionConfigurationProperty(
                    no_encryption_config="NoEncryption"
                ),
                prefix=DELIVERY_PREFIX,
                error_output_prefix=ERROR_PREFIX,
                processing_configuration=firehose.CfnDeliveryStream.ProcessingConfigurationProperty(
                    enabled=True,
                    processors=[
                        firehose.CfnDeliveryStream.ProcessorProperty(
                            type="Lambda",
                            parameters=[
                                firehose.CfnDeliveryStream.ProcessorParameterProperty(
                                    parameter_name="LambdaArn",
                                    parameter_value=transform.function_arn,
                                ),
                                firehose.CfnDeliveryStream.ProcessorParameterProperty(
                                    parameter_name="RoleArn", parameter_value=role.role_arn
                                ),
                            ],
                        )
                    ],
                ),
            ),
        )
        # The role's grants live in a separate policy resource that nothing references; it
        # must exist before Firehose first reads the stream.
        delivery.node.add_dependency(role.node.find_child("DefaultPolicy"))
        return bucket

    def _catalog(self, bucket: s3.Bucket) -> glue.CfnDatabase:
        database = glue.CfnDatabase(
            self,
            "GlueDatabase",
            catalog_id=self.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(name=DATABASE_NAME),
        )
        # ``${!year}`` is Fn::Sub's escape for a literal ``${year}``, which Athena fills in.
        template = cdk.Fn.sub(
            "s3://${Bucket}/data/year=${!year}/month=${!month}/day=${!day}/hour=${!hour}/",
            {"Bucket": bucket.bucket_name},
        )
        glue.CfnTable(
            self,
            "GlueTable",
            catalog_id=self.account,
            database_name=database.ref,
            table_input=glue.CfnTable.TableInputProperty(
                name=GLUE_TABLE_NAME,
                description="DynamoDB change records for heartrate-ddb, delivered by Firehose",
                table_type="EXTERNAL_TABLE",
                parameters={
                    "classification": "json",
                    **PROJECTION,
                    "storage.location.template": template,
                },
                partition_keys=[
                    glue.CfnTable.ColumnProperty(name=key, type="string") for key in PARTITION_KEYS
                ],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    # data/ only: errors/ and athena-results/ live in the same bucket.
                    location=f"s3://{bucket.bucket_name}/{DATA_PREFIX}",
                    input_format="org.apache.hadoop.mapred.TextInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library="org.openx.data.jsonserde.JsonSerDe"
                    ),
                    compressed=False,
                    stored_as_sub_directories=False,
                    columns=[
                        glue.CfnTable.ColumnProperty(name=name, type=kind) for name, kind in COLUMNS
                    ],
                ),
            ),
        )
        return database

    def _athena(self, bucket: s3.Bucket, database: glue.CfnDatabase) -> None:
        workgroup = athena.CfnWorkGroup(
            self,
            "AthenaWorkGroup",
            name=WORKGROUP_NAME,
            # Queries saved or run outside the stack must not block its deletion.
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{bucket.bucket_name}/{RESULTS_PREFIX}"
                )
            ),
        )
        for construct_id, name, description, sql in (
            (
                "HighHeartRateQuery",
                "high-heart-rate",
                "Readings with a heart rate above 120 (the article's query)",
                HIGH_HEART_RATE_SQL,
            ),
            (
                "CurrentStateQuery",
                "current-state",
                "The table as it is now: latest image per id, deleted items removed",
                CURRENT_STATE_SQL,
            ),
        ):
            athena.CfnNamedQuery(
                self,
                construct_id,
                name=name,
                description=description,
                database=database.ref,
                query_string=sql,
                work_group=workgroup.ref,
            )
