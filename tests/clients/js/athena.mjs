// Athena through @aws-sdk/client-athena: JSON lines in a bucket, a Glue table over them, a query
// with an S3 result location polled to SUCCEEDED, its rows (header first, values as strings) and
// the result file it wrote.
import assert from "node:assert/strict";
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteDatabaseCommand,
  DeleteTableCommand,
  GlueClient,
} from "@aws-sdk/client-glue";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  config,
  createBucket,
  dropBucket,
  name,
  report,
  s3Client,
  sqlName,
  waitFor,
} from "./common.mjs";

await report("athena", async () => {
  const athena = new AthenaClient(config);
  const glue = new GlueClient(config);
  const s3 = s3Client();
  const bucket = name("athena");
  const database = sqlName("athena");
  await createBucket(s3, bucket);
  const lines = [60, 130, 75, 142, 99, 150].map((rate, n) =>
    JSON.stringify({ sensor: `s${n % 3}`, rate }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: "readings/part-0.json",
      Body: `${lines.join("\n")}\n`,
    }),
  );
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: database } }));
  await glue.send(
    new CreateTableCommand({
      DatabaseName: database,
      TableInput: {
        Name: "readings",
        TableType: "EXTERNAL_TABLE",
        Parameters: { classification: "json" },
        StorageDescriptor: {
          Location: `s3://${bucket}/readings/`,
          Columns: [
            { Name: "sensor", Type: "string" },
            { Name: "rate", Type: "int" },
          ],
          InputFormat: "org.apache.hadoop.mapred.TextInputFormat",
          OutputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          SerdeInfo: { SerializationLibrary: "org.openx.data.jsonserde.JsonSerDe" },
        },
      },
    }),
  );

  const { QueryExecutionId: id } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: "SELECT sensor, rate FROM readings WHERE rate > 100 ORDER BY rate",
      QueryExecutionContext: { Database: database },
      ResultConfiguration: { OutputLocation: `s3://${bucket}/results/` },
    }),
  );
  assert.ok(id);
  const execution = await waitFor(
    "a finished query",
    async () => {
      const { QueryExecution } = await athena.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = QueryExecution.Status.State;
      return ["SUCCEEDED", "FAILED", "CANCELLED"].includes(state) && QueryExecution;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  assert.equal(execution.Status.State, "SUCCEEDED", execution.Status.StateChangeReason);
  assert.equal(execution.ResultConfiguration.OutputLocation, `s3://${bucket}/results/${id}.csv`);

  const { ResultSet } = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
  const rows = ResultSet.Rows.map((row) => row.Data.map((datum) => datum.VarCharValue));
  assert.deepEqual(rows, [
    ["sensor", "rate"],
    ["s1", "130"],
    ["s0", "142"],
    ["s2", "150"],
  ]);
  assert.deepEqual(
    ResultSet.ResultSetMetadata.ColumnInfo.map((column) => [column.Name, column.Type]),
    [["sensor", "varchar"], ["rate", "integer"]],
  );
  const result = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `results/${id}.csv` }));
  assert.ok(result.ContentLength > 0);

  await glue.send(new DeleteTableCommand({ DatabaseName: database, Name: "readings" }));
  await glue.send(new DeleteDatabaseCommand({ Name: database }));
  await dropBucket(s3, bucket);
  return { database, queryExecutionId: id, rows };
});
