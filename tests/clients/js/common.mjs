// What every service script shares: the client configuration for a local `lakehose up`, unique
// resource names, polling, the admin flush, a tiny zip writer and the one-JSON-line report.
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { crc32, deflateRawSync } from "node:zlib";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";

export const endpoint = process.env.LAKEHOSE_ENDPOINT;
export const prefix = process.env.NAME_PREFIX;
assert.ok(endpoint, "LAKEHOSE_ENDPOINT must name a running `lakehose up`");
assert.match(prefix ?? "", /^[a-z0-9-]{3,40}$/, "NAME_PREFIX: 3-40 of [a-z0-9-]");

export const ACCOUNT = "000000000000";
export const REGION = "us-east-1";

// Errors are asserted, not retried: a retry would hide a server answer that is wrong once.
export const config = {
  endpoint,
  region: REGION,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
};

/** A resource name unique to this run; S3, Lambda, DynamoDB and Kinesis all accept it. */
export const name = (suffix) => `${prefix}-${suffix}`;

/** The same for Glue and Athena, whose database and table names are SQL identifiers. */
export const sqlName = (suffix) => name(suffix).replaceAll("-", "_");

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Call `probe` until it returns a truthy value, which is returned; fail after `timeoutMs`. */
export async function waitFor(what, probe, { timeoutMs = 30_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Deliver every buffered Firehose record now instead of after the buffering interval. */
export async function flush() {
  // Admin calls must be SigV4-signed, like every API call (any key: the server checks none).
  const url = new URL("/_lakehose/flush", endpoint);
  const headers = signedHeaders("POST", url, "lakehose");
  const response = await fetch(url, { method: "POST", headers });
  assert.equal(response.status, 200, await response.text());
}

/** SigV4 headers for an empty-bodied request to `url`, signed for `service`. */
function signedHeaders(method, url, service) {
  const { accessKeyId, secretAccessKey } = config.credentials;
  const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const scope = `${amzDate.slice(0, 8)}/${REGION}/${service}/aws4_request`;
  const payload = createHash("sha256").update("").digest("hex");
  const signedNames = "host;x-amz-content-sha256;x-amz-date";
  const canonical = [
    method,
    url.pathname,
    "",
    `host:${url.host}`,
    `x-amz-content-sha256:${payload}`,
    `x-amz-date:${amzDate}`,
    "",
    signedNames,
    payload,
  ].join("\n");
  const digest = createHash("sha256").update(canonical).digest("hex");
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, digest].join("\n");
  let key = `AWS4${secretAccessKey}`;
  for (const part of scope.split("/")) key = createHmac("sha256", key).update(part).digest();
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  return {
    "x-amz-date": amzDate,
    "x-amz-content-sha256": payload,
    authorization:
      `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedNames}, Signature=${signature}`,
  };
}

/** A zip archive (deflated, no directories) of `files`, a map of name to text. */
export function zipOf(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [fileName, text] of Object.entries(files)) {
    const nameBytes = Buffer.from(fileName, "utf8");
    const data = Buffer.from(text, "utf8");
    const packed = deflateRawSync(data);
    // Fields shared by the local and central headers: version 2.0, no flags, deflate,
    // 1980-01-01 00:00, then the CRC-32, both sizes and the name's length.
    const common = Buffer.alloc(26);
    common.writeUInt16LE(20, 0);
    common.writeUInt16LE(0, 2);
    common.writeUInt16LE(8, 4);
    common.writeUInt16LE(0, 6);
    common.writeUInt16LE(0x21, 8);
    common.writeUInt32LE(crc32(data), 10);
    common.writeUInt32LE(packed.length, 14);
    common.writeUInt32LE(data.length, 18);
    common.writeUInt16LE(nameBytes.length, 22);
    const local = Buffer.concat([u32(0x04034b50), common, nameBytes, packed]);
    // Comment length, disk number, internal and external attributes: all 0; then the offset.
    const tail = Buffer.alloc(14);
    tail.writeUInt32LE(offset, 10);
    centrals.push(Buffer.concat([u32(0x02014b50), u16(20), common, tail, nameBytes]));
    locals.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length, 8);
  end.writeUInt16LE(centrals.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function u16(value) {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16LE(value);
  return buffer;
}

function u32(value) {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);
  return buffer;
}

/** An S3 client, path-style so that no bucket needs a host name (`bucket.localhost`). */
export const s3Client = () => new S3Client({ ...config, forcePathStyle: true });

export async function createBucket(s3, bucket) {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** Delete every object of `bucket`, then the bucket. */
export async function dropBucket(s3, bucket) {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const { Key } of listed.Contents ?? []) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/**
 * Run `work`, print the summary it returns as one JSON line; on failure print the error (with
 * the HTTP status and request id the SDK saw) to stderr and exit non-zero.
 */
export async function report(service, work) {
  try {
    const summary = await work();
    process.stdout.write(`${JSON.stringify({ service, ok: true, ...summary })}\n`);
  } catch (error) {
    const { httpStatusCode, requestId } = error?.$metadata ?? {};
    console.error(`${service} failed: ${error?.name}: ${error?.message}`);
    console.error(JSON.stringify({ httpStatusCode, requestId, fault: error?.$fault }));
    console.error(error?.stack);
    process.exitCode = 1;
  }
}
