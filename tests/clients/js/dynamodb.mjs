// DynamoDB through @aws-sdk/client-dynamodb (awsJson 1.0): a table with a composite key, writes,
// a consistent read, a key-condition query, an update expression, and the table's deletion.
import assert from "node:assert/strict";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { config, name, report, waitFor } from "./common.mjs";

await report("dynamodb", async () => {
  const ddb = new DynamoDBClient(config);
  const table = name("readings");
  const created = await ddb.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: "sensor", AttributeType: "S" },
        { AttributeName: "at", AttributeType: "N" },
      ],
      KeySchema: [
        { AttributeName: "sensor", KeyType: "HASH" },
        { AttributeName: "at", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  assert.equal(created.TableDescription.TableName, table);
  await waitFor("ACTIVE table", async () => {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
    return Table.TableStatus === "ACTIVE";
  });

  for (const [sensor, at, rate] of [["s1", 1, 61], ["s1", 2, 72], ["s1", 3, 93], ["s2", 1, 55]]) {
    await ddb.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          sensor: { S: sensor },
          at: { N: String(at) },
          rate: { N: String(rate) },
          tags: { SS: ["chest", "wrist"] },
          raw: { B: Uint8Array.of(0, 255, at) },
        },
      }),
    );
  }

  const key = { sensor: { S: "s1" }, at: { N: "2" } };
  const { Item } = await ddb.send(
    new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  assert.deepEqual(Item.rate, { N: "72" });
  assert.deepEqual(new Set(Item.tags.SS), new Set(["chest", "wrist"]));
  assert.deepEqual([...Item.raw.B], [0, 255, 2]);

  const queried = await ddb.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "sensor = :s AND #at >= :from",
      ExpressionAttributeNames: { "#at": "at" },
      ExpressionAttributeValues: { ":s": { S: "s1" }, ":from": { N: "2" } },
      ScanIndexForward: false,
    }),
  );
  const rates = queried.Items.map((item) => Number(item.rate.N));
  assert.deepEqual(rates, [93, 72]);
  assert.equal(queried.Count, 2);

  const updated = await ddb.send(
    new UpdateItemCommand({
      TableName: table,
      Key: key,
      UpdateExpression: "SET rate = rate + :inc, note = :note REMOVE tags",
      ConditionExpression: "attribute_exists(rate)",
      ExpressionAttributeValues: { ":inc": { N: "8" }, ":note": { S: "checked" } },
      ReturnValues: "ALL_NEW",
    }),
  );
  assert.deepEqual(updated.Attributes.rate, { N: "80" });
  assert.deepEqual(updated.Attributes.note, { S: "checked" });
  assert.equal(updated.Attributes.tags, undefined);

  const deleted = await ddb.send(new DeleteTableCommand({ TableName: table }));
  assert.equal(deleted.TableDescription.TableName, table);
  await assert.rejects(
    ddb.send(new DescribeTableCommand({ TableName: table })),
    ResourceNotFoundException,
  );
  return { table, queried: rates, updated: Number(updated.Attributes.rate.N) };
});
