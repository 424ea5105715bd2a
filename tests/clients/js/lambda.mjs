// Lambda through @aws-sdk/client-lambda (rest-json): a python3.12 function from a zip built here,
// a synchronous invoke whose payload the handler transforms, the function's description and its
// deletion.
import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-lambda";
import { ACCOUNT, REGION, config, name, report, waitFor, zipOf } from "./common.mjs";

const HANDLER = `
import os
import sys

def handler(event, context):
    return {
        "sum": sum(event["numbers"]),
        "greeting": "hello " + event["who"],
        "function": context.function_name,
        "python": "%d.%d" % sys.version_info[:2],
        "region": os.environ["AWS_REGION"],
        "mood": os.environ["MOOD"],
    }
`;

await report("lambda", async () => {
  // Invocations may wait for a worker process to start.
  const lambda = new LambdaClient({ ...config, requestHandler: { requestTimeout: 120_000 } });
  const fn = name("fn");
  const created = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: fn,
      Runtime: "python3.12",
      Role: `arn:aws:iam::${ACCOUNT}:role/lambda-role`,
      Handler: "app.handler",
      Code: { ZipFile: zipOf({ "app.py": HANDLER }) },
      Environment: { Variables: { MOOD: "calm" } },
      Timeout: 30,
    }),
  );
  assert.equal(created.FunctionArn, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`);
  await waitFor("Active function", async () => {
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: fn }));
    return Configuration.State === "Active";
  });

  const invoked = await lambda.send(
    new InvokeCommand({
      FunctionName: fn,
      Payload: JSON.stringify({ numbers: [60, 72, 93], who: "js" }),
    }),
  );
  assert.equal(invoked.StatusCode, 200);
  assert.equal(invoked.FunctionError, undefined, new TextDecoder().decode(invoked.Payload));
  const payload = JSON.parse(new TextDecoder().decode(invoked.Payload));
  assert.deepEqual(payload, {
    sum: 225,
    greeting: "hello js",
    function: fn,
    python: payload.python, // the worker's interpreter, reported for the summary
    region: REGION,
    mood: "calm",
  });

  const { Configuration, Code } = await lambda.send(new GetFunctionCommand({ FunctionName: fn }));
  assert.equal(Configuration.Runtime, "python3.12");
  assert.equal(Configuration.Handler, "app.handler");
  assert.equal(Configuration.Timeout, 30);
  assert.deepEqual(Configuration.Environment.Variables, { MOOD: "calm" });
  assert.equal(Configuration.CodeSha256, created.CodeSha256);
  assert.ok(Code.Location);

  await lambda.send(new DeleteFunctionCommand({ FunctionName: fn }));
  await assert.rejects(
    lambda.send(new GetFunctionCommand({ FunctionName: fn })),
    ResourceNotFoundException,
  );
  return { function: fn, payload };
});
