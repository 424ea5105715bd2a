// Firehose through @aws-sdk/client-firehose (awsJson 1.1): a DirectPut stream into a bucket made
// with the S3 client, single and batched puts, then an admin flush and the delivered object.
import assert from "node:assert/strict";
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  PutRecordBatchCommand,
  PutRecordCommand,
} from "@aws-sdk/client-firehose";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import {
  ACCOUNT,
  config,
  createBucket,
  dropBucket,
  flush,
  name,
  report,
  s3Client,
  waitFor,
} from "./common.mjs";

await report("firehose", async () => {
  const firehose = new FirehoseClient(config);
  const s3 = s3Client();
  const bucket = name("delivery");
  const stream = name("firehose");
  await createBucket(s3, bucket);

  const { DeliveryStreamARN } = await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: stream,
      DeliveryStreamType: "DirectPut",
      ExtendedS3DestinationConfiguration: {
        RoleARN: `arn:aws:iam::${ACCOUNT}:role/firehose-role`,
        BucketARN: `arn:aws:s3:::${bucket}`,
        Prefix: "js/",
        ErrorOutputPrefix: "errors/",
        // Long buffers: the objects below must come from the flush, not from a timer.
        BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 900 },
      },
    }),
  );
  assert.equal(DeliveryStreamARN, `arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/${stream}`);
  const described = await waitFor("ACTIVE delivery stream", async () => {
    const { DeliveryStreamDescription } = await firehose.send(
      new DescribeDeliveryStreamCommand({ DeliveryStreamName: stream }),
    );
    return DeliveryStreamDescription.DeliveryStreamStatus === "ACTIVE" && DeliveryStreamDescription;
  });
  assert.equal(described.DeliveryStreamType, "DirectPut");
  const destination = described.Destinations[0].ExtendedS3DestinationDescription;
  assert.equal(destination.BucketARN, `arn:aws:s3:::${bucket}`);
  assert.equal(destination.Prefix, "js/");
  assert.deepEqual(destination.BufferingHints, { SizeInMBs: 5, IntervalInSeconds: 900 });

  const encode = (text) => new TextEncoder().encode(text);
  const one = await firehose.send(
    new PutRecordCommand({ DeliveryStreamName: stream, Record: { Data: encode('{"n":0}\n') } }),
  );
  assert.ok(one.RecordId);
  const batch = await firehose.send(
    new PutRecordBatchCommand({
      DeliveryStreamName: stream,
      Records: [1, 2, 3].map((n) => ({ Data: encode(`{"n":${n}}\n`) })),
    }),
  );
  assert.equal(batch.FailedPutCount, 0);
  assert.equal(batch.RequestResponses.length, 3);
  assert.ok(batch.RequestResponses.every((entry) => entry.RecordId && !entry.ErrorCode));

  await flush();
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  assert.equal(Contents.length, 1, JSON.stringify(Contents));
  const key = Contents[0].Key;
  // Prefix "js/" without expressions gets the default yyyy/MM/dd/HH/ and the AWS object name.
  assert.match(key, new RegExp(`^js/\\d{4}/\\d{2}/\\d{2}/\\d{2}/${stream}-1-`));
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = await object.Body.transformToString();
  assert.equal(body, '{"n":0}\n{"n":1}\n{"n":2}\n{"n":3}\n');

  await firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: stream }));
  await dropBucket(s3, bucket);
  return { stream, objects: Contents.length, key, records: body.trimEnd().split("\n").length };
});
