/**
 * Test-only worker (test/workers/conformance.wrangler.toml): runs the Ed25519 vectors and the
 * verifier cases inside workerd with its own Web Crypto, and exposes the replay Durable
 * Objects so the test can drive them over HTTP.
 */
import type { DurableObjectNamespace } from "@cloudflare/workers-types";
import { supportsEd25519, webCryptoProvider } from "../../src/core/crypto-provider.js";
import { ReplayShard } from "../../src/store/durable/replay-shard.js";
import {
  createDurableReplayStore,
  replayShardName,
  replayShardOf,
} from "../../src/store/durable/replay-store.js";
import { hexToBytes } from "../core/support.js";
import { runVerifierCases } from "./verifier-cases.js";

export { ReplayShard };

interface Env {
  REPLAY: DurableObjectNamespace<ReplayShard>;
}

interface RawVector {
  pk: string;
  sig: string;
  msg: string;
}

async function rawVerify(vector: RawVector): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey("raw", hexToBytes(vector.pk), { name: "Ed25519" }, false, [
      "verify",
    ]);
    return await crypto.subtle.verify(
      { name: "Ed25519" },
      key,
      hexToBytes(vector.sig),
      hexToBytes(vector.msg),
    );
  } catch {
    return false;
  }
}

const SHARDS = 4;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const replay = createDurableReplayStore({ namespace: env.REPLAY, shards: SHARDS });
    switch (`${request.method} ${url.pathname}`) {
      case "GET /runtime":
        return Response.json({
          userAgent: navigator.userAgent,
          ed25519: await supportsEd25519(webCryptoProvider),
        });
      case "POST /ed25519": {
        const { vectors } = (await request.json()) as { vectors: RawVector[] };
        const results: boolean[] = [];
        for (const vector of vectors) results.push(await rawVerify(vector));
        return Response.json({ results });
      }
      case "GET /verifier":
        return Response.json({ results: await runVerifierCases() });
      case "POST /replay/record": {
        const { kid, jti, expiresAt, times } = (await request.json()) as {
          kid: string;
          jti: string;
          expiresAt: number;
          times?: number;
        };
        // `times` concurrent attempts at the same pair: exactly one may win
        const outcomes = await Promise.all(
          Array.from({ length: times ?? 1 }, () => replay.record(kid, jti, expiresAt)),
        );
        return Response.json({ outcomes, now: Date.now() });
      }
      case "GET /replay/count": {
        const shard = replayShardOf(
          url.searchParams.get("kid") ?? "",
          url.searchParams.get("jti") ?? "",
          SHARDS,
        );
        const stub = env.REPLAY.get(env.REPLAY.idFromName(replayShardName(shard)));
        return Response.json({ shard, count: await stub.ping() });
      }
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
