// test-entry.ts -- the test configuration's entry (test/wrangler.test.toml):
// the real Worker (src/index.ts) with the Workers AI binding replaced by a
// local stand-in, because Workers AI is not reachable offline. Everything
// else (KV, D1, the queue producer) is the local binding wrangler dev gives.
// The stand-in returns results of the real shapes: {response: string} for
// inference, {shape, data: [[...384 floats]]} for embeddings; a prompt
// "sleep:<ms>" answers after <ms> ms (the proxy's timeout test). The queue
// consumer stores each message in KV as "<node_id>/queue-consumed/<n>" so a
// test can see that a pushed message reached the consumer.

import worker, { Env } from "../src/index";

const standInAI = {
  async run(model: string, input: any): Promise<any> {
    if (typeof input?.prompt === "string") {
      const m = /^sleep:(\d+)$/.exec(input.prompt);
      if (m) await new Promise((r) => setTimeout(r, Math.min(Number(m[1]), 60_000)));
      return { response: `stand-in ${model}: ${input.prompt}` };
    }
    if (Array.isArray(input?.text)) {
      const data = input.text.map((t: string) =>
        Array.from({ length: 384 }, (_, i) => ((t.length + i) % 7) / 8),
      );
      return { shape: [data.length, 384], data };
    }
    throw new Error("stand-in AI: unexpected input");
  },
};

let consumed = 0;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    return worker.fetch(request, { ...env, AI: standInAI });
  },
  async queue(batch: MessageBatch<any>, env: Env): Promise<void> {
    for (const m of batch.messages) {
      await env.KV.put(`${m.body.node_id}/queue-consumed/${++consumed}`, JSON.stringify(m.body));
      m.ack();
    }
  },
};
