// Glue through @aws-sdk/client-glue (awsJson 1.1): a database and an OpenX-JSON table over an S3
// location, read back one by one and as a list, then dropped.
import assert from "node:assert/strict";
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteDatabaseCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
} from "@aws-sdk/client-glue";
import { config, name, report, sqlName } from "./common.mjs";

const JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe";

await report("glue", async () => {
  const glue = new GlueClient(config);
  const database = sqlName("catalog");
  const location = `s3://${name("lake")}/readings/`;
  const columns = [
    { Name: "sensor", Type: "string" },
    { Name: "rate", Type: "int" },
    { Name: "detail", Type: "struct<unit:string,samples:array<int>>", Comment: "nested" },
  ];
  await glue.send(
    new CreateDatabaseCommand({ DatabaseInput: { Name: database, Description: "from js" } }),
  );
  const tables = ["readings", "alerts"];
  for (const table of tables) {
    await glue.send(
      new CreateTableCommand({
        DatabaseName: database,
        TableInput: {
          Name: table,
          TableType: "EXTERNAL_TABLE",
          Parameters: { classification: "json" },
          PartitionKeys: [{ Name: "year", Type: "string" }],
          StorageDescriptor: {
            Location: location,
            Columns: columns,
            InputFormat: "org.apache.hadoop.mapred.TextInputFormat",
            OutputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            SerdeInfo: {
              SerializationLibrary: JSON_SERDE,
              Parameters: { "case.insensitive": "true" },
            },
          },
        },
      }),
    );
  }

  const { Table } = await glue.send(
    new GetTableCommand({ DatabaseName: database, Name: "readings" }),
  );
  assert.equal(Table.Name, "readings");
  assert.equal(Table.DatabaseName, database);
  assert.equal(Table.TableType, "EXTERNAL_TABLE");
  assert.equal(Table.StorageDescriptor.Location, location);
  assert.deepEqual(Table.StorageDescriptor.Columns, columns);
  assert.equal(Table.StorageDescriptor.SerdeInfo.SerializationLibrary, JSON_SERDE);
  assert.deepEqual(Table.PartitionKeys, [{ Name: "year", Type: "string" }]);
  assert.ok(Table.CreateTime instanceof Date);

  const listed = await glue.send(new GetTablesCommand({ DatabaseName: database }));
  const names = listed.TableList.map((table) => table.Name).sort();
  assert.deepEqual(names, [...tables].sort());

  await glue.send(new DeleteTableCommand({ DatabaseName: database, Name: "alerts" }));
  await assert.rejects(
    glue.send(new GetTableCommand({ DatabaseName: database, Name: "alerts" })),
    EntityNotFoundException,
  );
  const after = await glue.send(new GetTablesCommand({ DatabaseName: database }));
  assert.deepEqual(after.TableList.map((table) => table.Name), ["readings"]);

  await glue.send(new DeleteTableCommand({ DatabaseName: database, Name: "readings" }));
  await glue.send(new DeleteDatabaseCommand({ Name: database }));
  return { database, tables: names, remaining: after.TableList.length };
});
