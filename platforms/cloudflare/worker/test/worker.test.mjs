// worker.test.mjs -- the Worker's own tests (npm test): starts
// `wrangler dev` with test/wrangler.test.toml on a free 127.0.0.1 port and
// fresh local state (offline: local KV, D1, queue; AI is the stand-in of
// test-entry.ts), then speaks the protocol of compat/cloud.md §2 over a
// WebSocket. Waits at most 60 s for readiness and shows wrangler's log when
// it does not come up.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

const here = dirname(fileURLToPath(import.meta.url));
let proc, port, state, log = "";

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

before(async () => {
  port = await freePort();
  state = mkdtempSync(join(tmpdir(), "mk-worker-test-"));
  const bin = join(here, "..", "node_modules", ".bin", "wrangler");
  proc = spawn(bin, ["dev", "-c", join(here, "wrangler.test.toml"), "--ip", "127.0.0.1",
    "--port", String(port), "--persist-to", join(state, "state")],
    { env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout.on("data", (d) => (log += d));
  proc.stderr.on("data", (d) => (log += d));
  for (let i = 0; i < 120; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev not ready within 60 s; its log:\n${log}`);
});

after(() => {
  if (proc) proc.kill("SIGTERM");
  if (state) rmSync(state, { recursive: true, force: true });
});

// A connection with a queue of received frames.
async function connect() {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  const inbox = [], waiters = [];
  ws.on("message", (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === "ping") return;
    if (waiters.length) waiters.shift()(m); else inbox.push(m);
  });
  await new Promise((res, rej) => { ws.on("open", res); ws.on("error", rej); });
  const next = () => inbox.length ? Promise.resolve(inbox.shift())
    : new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error("no reply within 10 s")), 10_000);
        waiters.push((m) => { clearTimeout(t); res(m); });
      });
  const ask = async (obj) => { ws.send(typeof obj === "string" ? obj : JSON.stringify(obj)); return next(); };
  return { ws, ask, next };
}

async function authed(node = "node-a") {
  const c = await connect();
  assert.deepEqual(await c.ask({ type: "auth", node_id: node, token: "test-token" }),
    { type: "auth_ok", tenant: node });
  return c;
}

test("http endpoints: /health, /ws without upgrade, 404", async () => {
  let r = await fetch(`http://127.0.0.1:${port}/health`);
  assert.equal(r.status, 200); assert.equal(await r.text(), "ok");
  r = await fetch(`http://127.0.0.1:${port}/ws`);
  assert.equal(r.status, 426); assert.equal(await r.text(), "Expected WebSocket");
  r = await fetch(`http://127.0.0.1:${port}/other`);
  assert.equal(r.status, 404); assert.equal(await r.text(), "Not Found");
});

test("auth: wrong token refused, requests before auth refused, invalid JSON", async () => {
  const c = await connect();
  assert.deepEqual(await c.ask({ type: "auth", node_id: "x", token: "nope" }),
    { type: "error", message: "auth failed" });
  assert.deepEqual(await c.ask({ req_id: 1, type: "kv_get", key: "k" }),
    { type: "error", message: "not authenticated" });
  assert.deepEqual(await c.ask("{not json"), { type: "error", message: "invalid JSON" });
  c.ws.close();
});

test("kv: put, get, list (prefix stripped), delete, not found, per-node isolation", async () => {
  const a = await authed("node-a"), b = await authed("node-b");
  assert.deepEqual(await a.ask({ req_id: 1, type: "kv_put", key: "h/1", value: "v\n\"1\"" }),
    { req_id: 1, type: "ok" });
  assert.deepEqual(await a.ask({ req_id: 2, type: "kv_put", key: "h/2", value: "é" }),
    { req_id: 2, type: "ok" });
  assert.deepEqual(await a.ask({ req_id: 3, type: "kv_get", key: "h/1" }),
    { req_id: 3, type: "value", value: "v\n\"1\"" });
  assert.deepEqual(await a.ask({ req_id: 4, type: "kv_list", prefix: "h/" }),
    { req_id: 4, type: "keys", keys: ["h/1", "h/2"] });
  assert.deepEqual(await a.ask({ req_id: 5, type: "kv_list", prefix: "h/", limit: 1 }),
    { req_id: 5, type: "keys", keys: ["h/1"] });
  assert.deepEqual(await b.ask({ req_id: 6, type: "kv_get", key: "h/1" }),
    { req_id: 6, type: "not_found" });
  assert.deepEqual(await a.ask({ req_id: 7, type: "kv_delete", key: "h/1" }),
    { req_id: 7, type: "ok" });
  assert.deepEqual(await a.ask({ req_id: 8, type: "kv_get", key: "h/1" }),
    { req_id: 8, type: "not_found" });
  a.ws.close(); b.ws.close();
});

test("d1: migrations ran, exec with params, query rows, SQL error", async () => {
  const c = await authed();
  const m = await c.ask({ req_id: 1, type: "db_query", sql: "SELECT version, name FROM _migrations", params: [] });
  assert.deepEqual(m, { req_id: 1, type: "db_query_ok", rows: [{ version: 1, name: "create_logs_and_config" }] });
  assert.deepEqual(await c.ask({ req_id: 2, type: "db_exec", sql: "INSERT INTO config (key, value) VALUES (?, ?)", params: ["a", "1"] }),
    { req_id: 2, type: "db_exec_ok", rows_affected: 1 });
  assert.deepEqual(await c.ask({ req_id: 3, type: "db_query", sql: "SELECT key, value FROM config WHERE key = ?", params: ["a"] }),
    { req_id: 3, type: "db_query_ok", rows: [{ key: "a", value: "1" }] });
  const e = await c.ask({ req_id: 4, type: "db_query", sql: "SELEC 1", params: [] });
  assert.equal(e.req_id, 4); assert.equal(e.type, "error"); assert.match(e.message, /syntax error/);
  c.ws.close();
});

test("queue push reaches the consumer; AI stand-in shapes; unknown type", async () => {
  const c = await authed("node-q");
  assert.deepEqual(await c.ask({ req_id: 1, type: "queue_push", body: "hello" }),
    { req_id: 1, type: "queue_push_ok" });
  let keys = [];
  for (let i = 0; i < 40 && keys.length === 0; i++) {
    keys = (await c.ask({ req_id: 10 + i, type: "kv_list", prefix: "queue-consumed/" })).keys;
    if (!keys.length) await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(keys.length, 1);
  const v = await c.ask({ req_id: 2, type: "kv_get", key: keys[0] });
  const body = JSON.parse(v.value);
  assert.equal(body.node_id, "node-q"); assert.equal(body.body, "hello");
  assert.deepEqual(await c.ask({ req_id: 3, type: "ai_infer", prompt: "hi" }),
    { req_id: 3, type: "ai_infer_ok", result: "stand-in @cf/meta/llama-3.1-8b-instruct: hi" });
  const emb = await c.ask({ req_id: 4, type: "ai_embed", text: "hello" });
  assert.equal(emb.type, "ai_embed_ok"); assert.equal(emb.embedding.length, 384);
  assert.deepEqual(await c.ask({ req_id: 5, type: "bogus" }),
    { req_id: 5, type: "error", message: "unknown type: bogus" });
  c.ws.close();
});
