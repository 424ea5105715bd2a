// S3 through @aws-sdk/client-s3 (rest-xml, path-style): a bucket, objects written with the SDK's
// default flexible checksums (a CRC32 header for known bodies; aws-chunked with a trailing CRC32
// for streams), read back, listed, inspected with HEAD and deleted.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { createBucket, dropBucket, name, report, s3Client } from "./common.mjs";

await report("s3", async () => {
  const s3 = s3Client();
  const bucket = name("objects");
  await createBucket(s3, bucket);

  // A key that needs URL encoding, a text body with metadata, and a binary body.
  const textKey = "notes/hello wörld+1.txt";
  const text = "heart rate 72\n".repeat(100);
  const binaryKey = "blobs/raw.bin";
  const binary = Uint8Array.from({ length: 70_000 }, (_, n) => (n * 31) % 256);
  const put = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: textKey,
      Body: text,
      ContentType: "text/plain",
      Metadata: { sensor: "s1" },
    }),
  );
  assert.match(put.ETag, /^"[0-9a-f]{32}"$/);
  // A stream body is sent aws-chunked (STREAMING-UNSIGNED-PAYLOAD-TRAILER), its CRC32 trailing.
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: binaryKey,
      Body: Readable.from([binary.subarray(0, 65_536), binary.subarray(65_536)]),
      ContentLength: binary.length,
    }),
  );

  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: textKey }));
  assert.equal(await got.Body.transformToString(), text);
  assert.equal(got.ContentType, "text/plain");
  assert.equal(got.ETag, put.ETag);
  // With ChecksumMode the SDK also checks the body against the stored CRC32 as it reads.
  const gotBinary = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: binaryKey, ChecksumMode: "ENABLED" }),
  );
  assert.deepEqual(await gotBinary.Body.transformToByteArray(), binary);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(binary));
  assert.equal(gotBinary.ChecksumCRC32, crc.toString("base64"));

  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  assert.deepEqual(listed.Contents.map((item) => item.Key), [binaryKey, textKey]);
  assert.deepEqual(listed.Contents.map((item) => item.Size), [binary.length, text.length]);
  const notes = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: "notes/", Delimiter: "/" }),
  );
  assert.deepEqual(notes.Contents.map((item) => item.Key), [textKey]);
  assert.equal(notes.KeyCount, 1);

  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: textKey }));
  assert.equal(head.ContentLength, text.length);
  assert.equal(head.ETag, put.ETag);
  assert.deepEqual(head.Metadata, { sensor: "s1" });
  assert.ok(head.LastModified instanceof Date);

  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: textKey }));
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: textKey })), NotFound);
  const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  assert.deepEqual(after.Contents.map((item) => item.Key), [binaryKey]);

  await dropBucket(s3, bucket);
  return { bucket, listed: listed.Contents.map((item) => item.Key), remaining: after.KeyCount };
});
