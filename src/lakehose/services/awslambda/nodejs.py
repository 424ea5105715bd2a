"""The Node.js worker: a small bootstrap speaking ``worker_main``'s protocol, run by ``node``.

The bootstrap is kept here as text and written to the engine's directory on first use, so the
package needs no data files. It does what AWS's Node.js runtime does for a handler: load
``module.function`` from the task root (``.js``, ``.mjs`` or ``.cjs``), call it with the event and a
context (``async`` handlers and callback-style ones), log ``console`` output as
``<ISO time>\\t<request id>\\tINFO\\t<message>``, and report errors as
``{"errorType", "errorMessage", "trace"}``.
"""

from __future__ import annotations

from pathlib import Path

BOOTSTRAP = r"""// lakehose Node.js worker (generated; see lakehose/services/awslambda/nodejs.py).
import fs from "node:fs";
import path from "node:path";
import util from "node:util";
import { pathToFileURL } from "node:url";

const resultFd = Number(process.argv[2]);
let requestId = "";

function readExactly(size) {
  const buffer = Buffer.alloc(size);
  let offset = 0;
  while (offset < size) {
    let count;
    try {
      count = fs.readSync(0, buffer, offset, size - offset, null);
    } catch (error) {
      if (error.code === "EAGAIN") continue;
      if (error.code === "EOF") return null;
      throw error;
    }
    if (count === 0) return null;
    offset += count;
  }
  return buffer;
}

function readFrame() {
  const header = readExactly(4);
  return header === null ? null : readExactly(header.readUInt32BE(0));
}

function frame(data) {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(data.length, 0);
  return Buffer.concat([header, data]);
}

function send(message, body) {
  const parts = [frame(Buffer.from(JSON.stringify(message)))];
  if (body !== undefined) parts.push(frame(body));
  const data = Buffer.concat(parts);
  let offset = 0;
  while (offset < data.length) offset += fs.writeSync(resultFd, data, offset);
}

function write(level, args) {
  const line = `${new Date().toISOString()}\t${requestId}\t${level}\t${util.format(...args)}\n`;
  fs.writeSync(1, line);
}
for (const [method, level] of [["log", "INFO"], ["info", "INFO"], ["warn", "WARN"],
                               ["error", "ERROR"], ["debug", "DEBUG"], ["trace", "TRACE"]]) {
  console[method] = (...args) => write(level, args);
}

class RuntimeError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

async function loadHandler(spec) {
  const dot = spec.lastIndexOf(".");
  if (dot < 1) throw new RuntimeError("Runtime.MalformedHandlerName", "Bad handler");
  const moduleName = spec.slice(0, dot);
  const functionName = spec.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT;
  const file = [".js", ".mjs", ".cjs"]
    .map((extension) => path.resolve(root, moduleName + extension))
    .find((candidate) => fs.existsSync(candidate));
  if (file === undefined) {
    throw new RuntimeError("Runtime.ImportModuleError",
      `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${process.argv[1]}`);
  }
  const loaded = await import(pathToFileURL(file).href);
  const handler = loaded[functionName] ?? loaded.default?.[functionName];
  if (typeof handler !== "function") {
    throw new RuntimeError("Runtime.HandlerNotFound",
      `${moduleName}.${functionName} is undefined or not exported`);
  }
  return handler;
}

function errorDocument(error, traceKey) {
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message,
             [traceKey]: (error.stack ?? "").split("\n") };
  }
  return { errorType: typeof error, errorMessage: String(error), [traceKey]: [] };
}

function call(handler, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve(result));
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === "function") returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

function context(request) {
  const deadline = Date.now() + request.timeout_ms;
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: request.invoked_function_arn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: request.request_id,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: request.client_context ?? undefined,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

async function main() {
  let handler;
  try {
    handler = await loadHandler(process.env._HANDLER);
  } catch (error) {
    const report = errorDocument(error, "stack");
    write("ERROR", [`Init Error \t${JSON.stringify(report)}`]);
    send({ type: "init_error" }, Buffer.from(JSON.stringify(report)));
    process.exit(1);
  }
  send({ type: "ready" });
  for (;;) {
    const header = readFrame();
    const payload = header === null ? null : readFrame();
    if (payload === null) process.exit(0);
    const request = JSON.parse(header.toString("utf8"));
    requestId = request.request_id;
    let body;
    let failed = false;
    try {
      const result = await call(handler, JSON.parse(payload.toString("utf8")), context(request));
      body = Buffer.from(result === undefined ? "null" : JSON.stringify(result));
    } catch (error) {
      failed = true;
      const report = errorDocument(error, "trace");
      write("ERROR", [`Invoke Error \t${JSON.stringify(report)}`]);
      body = Buffer.from(JSON.stringify(report));
    }
    const memory = Math.ceil(process.resourceUsage().maxRSS / 1024);
    send({ type: "result", error: failed, memory_mb: memory }, body);
  }
}

main();
"""


def write_bootstrap(directory: Path) -> Path:
    """The bootstrap under ``directory``, (re)written when missing or from another version."""
    target = directory / "runtimes" / "nodejs" / "bootstrap.mjs"
    if not target.is_file() or target.read_text() != BOOTSTRAP:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        temporary.write_text(BOOTSTRAP)
        temporary.replace(target)
    return target
