// Kinesis through @aws-sdk/client-kinesis (awsJson 1.1): a one-shard stream, single and batched
// puts of binary data, the shard list, and a TRIM_HORIZON read that returns the same bytes.
import assert from "node:assert/strict";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { config, name, report, waitFor } from "./common.mjs";

await report("kinesis", async () => {
  // The SDK's default handler for Kinesis is HTTP/2 (for SubscribeToShard); over http:// it
  // speaks h2c with prior knowledge, so this also proves the server answers HTTP/2 as AWS does.
  const kinesis = new KinesisClient(config);
  const stream = name("stream");
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  const summary = await waitFor("ACTIVE stream", async () => {
    const { StreamDescriptionSummary } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: stream }),
    );
    return StreamDescriptionSummary.StreamStatus === "ACTIVE" && StreamDescriptionSummary;
  });
  assert.equal(summary.OpenShardCount, 1);

  // Bytes that are not UTF-8 (and a NUL) prove the payload is carried as binary, not text.
  const sent = [
    Uint8Array.of(0, 1, 2, 255, 254),
    new TextEncoder().encode('{"rate": 61}'),
    new TextEncoder().encode("zwei ✓"),
    Uint8Array.of(0xc3, 0x28),
  ];
  const single = await kinesis.send(
    new PutRecordCommand({ StreamName: stream, PartitionKey: "p0", Data: sent[0] }),
  );
  assert.match(single.ShardId, /^shardId-\d{12}$/);
  assert.match(single.SequenceNumber, /^\d+$/);
  const batch = await kinesis.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: sent.slice(1).map((Data, n) => ({ Data, PartitionKey: `p${n + 1}` })),
    }),
  );
  assert.equal(batch.FailedRecordCount, 0);
  assert.equal(batch.Records.length, 3);

  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  assert.deepEqual(Shards.map((shard) => shard.ShardId), [single.ShardId]);

  let { ShardIterator: iterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: Shards[0].ShardId,
      ShardIteratorType: "TRIM_HORIZON",
    }),
  );
  const received = [];
  await waitFor("all records", async () => {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
    received.push(...page.Records);
    iterator = page.NextShardIterator;
    return received.length >= sent.length;
  });
  assert.deepEqual(
    received.map((record) => [...record.Data]),
    sent.map((data) => [...data]),
  );
  assert.deepEqual(
    received.map((record) => record.PartitionKey),
    ["p0", "p1", "p2", "p3"],
  );
  assert.equal(received[0].SequenceNumber, single.SequenceNumber);
  assert.ok(received[0].ApproximateArrivalTimestamp instanceof Date);

  await kinesis.send(new DeleteStreamCommand({ StreamName: stream }));
  return {
    stream,
    shards: Shards.length,
    records: received.length,
    data: received.map((record) => Buffer.from(record.Data).toString("base64")),
  };
});
