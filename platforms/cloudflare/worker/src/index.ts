// index.ts -- mk-proxy, the Cloudflare Worker the cf_proxy actor talks to
// (src/cloud/cf_proxy.c). Protocol: ../shared/compat/cloud.md §2 and
// docs/cloud.md. Each WebSocket message carries one JSON object; each
// request gets at most one reply. KV keys are prefixed with the node's
// identity ("<node_id>/<key>"); D1 is one shared database; queue messages
// carry node_id in their body. Workers AI runs inference and embeddings.

import { runMigrations } from "./migrations";

export interface Env {
  KV: KVNamespace;
  DB: D1Database;
  QUEUE?: Queue;
  AI: { run(model: string, input: unknown): Promise<any> };
  AUTH_TOKEN: string;
}

const DEFAULT_INFER_MODEL = "@cf/meta/llama-3.1-8b-instruct";
const DEFAULT_EMBED_MODEL = "@cf/baai/bge-small-en-v1.5";
const PING_INTERVAL_MS = 30_000;

type Reply = Record<string, unknown> | null;

interface Session {
  nodeId: string;
  authed: boolean;
}

// One request after auth: the binding call and the reply object (keys in
// the original's order; a missing req_id is left out by JSON.stringify).
async function handleRequest(env: Env, s: Session, msg: any): Promise<Reply> {
  const req_id = msg.req_id;
  const type = msg.type;
  try {
    switch (type) {
      case "kv_get": {
        const v = await env.KV.get(`${s.nodeId}/${msg.key}`);
        if (v === null) return { req_id, type: "not_found" };
        return { req_id, type: "value", value: v };
      }
      case "kv_put": {
        const ttl = Number(msg.ttl);
        const opts = ttl > 0 ? { expirationTtl: ttl } : undefined;
        await env.KV.put(`${s.nodeId}/${msg.key}`, msg.value, opts);
        return { req_id, type: "ok" };
      }
      case "kv_delete":
        await env.KV.delete(`${s.nodeId}/${msg.key}`);
        return { req_id, type: "ok" };
      case "kv_list": {
        const prefix = `${s.nodeId}/`;
        const limit = Number(msg.limit) || 100;
        const res = await env.KV.list({ prefix: prefix + (msg.prefix ?? ""), limit });
        const keys = res.keys.map((k) => k.name.slice(prefix.length));
        return { req_id, type: "keys", keys };
      }
      case "db_query": {
        const res = await env.DB.prepare(msg.sql).bind(...(msg.params ?? [])).all();
        return { req_id, type: "db_query_ok", rows: res.results };
      }
      case "db_exec": {
        const res = await env.DB.prepare(msg.sql).bind(...(msg.params ?? [])).run();
        return { req_id, type: "db_exec_ok", rows_affected: res.meta.changes };
      }
      case "queue_push": {
        if (!env.QUEUE) return { req_id, type: "error", message: "queue not configured" };
        const delay = Number(msg.delay_seconds);
        const body = { node_id: s.nodeId, body: msg.body, ts: new Date().toISOString() };
        await env.QUEUE.send(body, delay > 0 ? { delaySeconds: delay } : undefined);
        return { req_id, type: "queue_push_ok" };
      }
      case "ai_infer": {
        const out = await env.AI.run(msg.model || DEFAULT_INFER_MODEL, { prompt: msg.prompt });
        return { req_id, type: "ai_infer_ok", result: out?.response };
      }
      case "ai_embed": {
        const out = await env.AI.run(msg.model || DEFAULT_EMBED_MODEL, { text: [msg.text] });
        return { req_id, type: "ai_embed_ok", embedding: out?.data?.[0] };
      }
      default:
        return { req_id, type: "error", message: `unknown type: ${type}` };
    }
  } catch (e) {
    return { req_id, type: "error", message: e instanceof Error ? e.message : "internal error" };
  }
}

// One incoming frame -> at most one reply (compat/cloud.md §2.3).
export async function handleFrame(env: Env, s: Session, text: string): Promise<Reply> {
  let msg: any;
  try {
    msg = JSON.parse(text);
  } catch {
    return { type: "error", message: "invalid JSON" };
  }
  if (msg === null || typeof msg !== "object" || Array.isArray(msg))
    return { type: "error", message: "invalid JSON" };
  if (msg.type === "auth") {
    if (typeof env.AUTH_TOKEN !== "string" || msg.token !== env.AUTH_TOKEN)
      return { type: "error", message: "auth failed" };
    s.nodeId = String(msg.node_id ?? "");
    s.authed = true;
    try {
      await runMigrations(env.DB);
    } catch {
      /* the original ignores migration failures */
    }
    return { type: "auth_ok", tenant: s.nodeId };
  }
  if (!s.authed) return { type: "error", message: "not authenticated" };
  if (msg.type === "pong") return null;
  return handleRequest(env, s, msg);
}

function session(env: Env, ws: WebSocket): void {
  const s: Session = { nodeId: "", authed: false };
  const ping = setInterval(() => {
    try {
      ws.send(JSON.stringify({ type: "ping" }));
    } catch {
      clearInterval(ping);
    }
  }, PING_INTERVAL_MS);
  const decoder = new TextDecoder();
  ws.addEventListener("message", async (ev: MessageEvent) => {
    const text = typeof ev.data === "string" ? ev.data : decoder.decode(ev.data as ArrayBuffer);
    const reply = await handleFrame(env, s, text);
    if (reply === null) return;
    try {
      ws.send(JSON.stringify(reply));
    } catch {
      /* the socket closed meanwhile */
    }
  });
  ws.addEventListener("close", () => clearInterval(ping));
  ws.addEventListener("error", () => clearInterval(ping));
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/ws") {
      if (request.headers.get("Upgrade") !== "websocket")
        return new Response("Expected WebSocket", { status: 426 });
      const pair = new WebSocketPair();
      const [client, server] = Object.values(pair);
      server.accept();
      session(env, server);
      return new Response(null, { status: 101, webSocket: client });
    }
    if (url.pathname === "/health") return new Response("ok");
    return new Response("Not Found", { status: 404 });
  },
};
