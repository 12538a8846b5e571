/**
 * The Cloudflare Workers entry (wrangler.toml `main`). One app per isolate, built on the first
 * request from the bindings; see docs/deploy-workers.md.
 */
import type { ExecutionContext } from "@cloudflare/workers-types";
import { ConfigError } from "../server/config.js";
import { ReplayShard } from "../store/durable/replay-shard.js";
import { buildWorkerSignet, type WorkerEnv, type WorkerSignet } from "./worker-app.js";

export { ReplayShard };

// The bindings object is the same for every request an isolate serves; rebuild only if not.
let current: { env: WorkerEnv; signet: WorkerSignet } | { env: WorkerEnv; error: ConfigError } | undefined;

function signetFor(env: WorkerEnv): WorkerSignet | ConfigError {
  if (current?.env !== env) {
    try {
      current = { env, signet: buildWorkerSignet(env) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(`signet: configuration error: ${error.message}`);
      current = { env, error };
    }
  }
  return "signet" in current ? current.signet : current.error;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    const signet = signetFor(env);
    if (signet instanceof ConfigError) {
      // fail closed and say why, as the Node entry does at startup
      const body = {
        type: "https://signet.dev/problems/configuration_error",
        title: "Internal Server Error",
        status: 500,
        code: "configuration_error",
        detail: `configuration error: ${signet.message}`,
      };
      return new Response(JSON.stringify(body), {
        status: 500,
        headers: { "content-type": "application/problem+json", "cache-control": "no-store" },
      });
    }
    const response = await signet.app.fetch(request, env, ctx);
    // last_used_at: written after the response, at most once a minute per key and isolate
    if (signet.lastUsed.pendingCount() > 0) ctx.waitUntil(signet.lastUsed.flush());
    return response;
  },
};
