import { Redis } from "ioredis";

/** Connections being closed on purpose: their "close" is no outage. */
const closing = new WeakSet<Redis>();

export interface RedisConnectionOptions {
  /** What this connection is for, shown in `CLIENT LIST` and in logs. */
  role: "commands" | "subscriber";
  /** Give up on one connection attempt after this long, ms. Default 1,000. */
  connectTimeoutMs?: number;
  /** Give up on one command after this long, ms (commands role only). Default 1,000. */
  commandTimeoutMs?: number;
  /** Longest pause between reconnection attempts, ms. Default 1,000. */
  maxReconnectDelayMs?: number;
  /** Called when the connection is lost (once per outage) and when it is back. */
  onDown?: (error: unknown) => void;
  onUp?: () => void;
}

/**
 * An ioredis connection configured to fail fast and never give up:
 * - `commands`: no offline queue and no retries, so while Redis is unreachable every command
 *   rejects at once (the verifier answers 503 verifier_unavailable instead of waiting);
 * - `subscriber`: queues its SUBSCRIBE until connected and resubscribes after a reconnect;
 * - both reconnect forever (backing off to `maxReconnectDelayMs`), so service resumes by itself.
 */
export function createRedisConnection(url: string, options: RedisConnectionOptions): Redis {
  const maxDelay = options.maxReconnectDelayMs ?? 1_000;
  const commands = options.role === "commands";
  const client = new Redis(url, {
    connectionName: `signet-${options.role}`,
    connectTimeout: options.connectTimeoutMs ?? 1_000,
    ...(commands ? { commandTimeout: options.commandTimeoutMs ?? 1_000 } : {}),
    enableOfflineQueue: !commands,
    maxRetriesPerRequest: commands ? 0 : null,
    autoResubscribe: true,
    retryStrategy: (attempt) => Math.min(25 * 2 ** Math.min(attempt, 10), maxDelay),
  });
  let down = false;
  const markDown = (error: unknown) => {
    if (down || closing.has(client)) return;
    down = true;
    options.onDown?.(error);
  };
  // ioredis prints unhandled "error" events itself; report them once per outage instead.
  client.on("error", (error: unknown) => markDown(error));
  client.on("close", () => markDown(new Error("connection closed")));
  client.on("ready", () => {
    if (!down) return;
    down = false;
    options.onUp?.();
  });
  return client;
}

/** Resolves true once `client` is ready, false if it is not within `timeoutMs`. */
export function whenReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off("ready", onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on("ready", onReady);
  });
}

/** QUIT politely, or drop the connection if Redis does not answer in time. */
export async function closeRedis(client: Redis, timeoutMs = 1_000): Promise<void> {
  closing.add(client);
  if (client.status === "end") return;
  if (client.status !== "ready") {
    client.disconnect();
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("quit timed out")), timeoutMs);
      }),
    ]);
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
