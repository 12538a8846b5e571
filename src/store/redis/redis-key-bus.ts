import type { Redis } from "ioredis";
import { closeRedis, whenReady } from "./connection.js";

export interface RedisKeyBusOptions {
  /** A `commands` connection, for PUBLISH. */
  publisher: Redis;
  /** A `subscriber` connection of its own (a subscribed connection can do nothing else). */
  subscriber: Redis;
  /** Default `signet:key-changed`. */
  channel?: string;
  /** Another instance (or this one) changed this key: drop it from the cache. */
  onKeyChanged(keyId: string): void;
  /**
   * The subscription was interrupted, so messages may have been missed: drop everything.
   * Called when the connection is lost and again when it is back.
   */
  onMissedMessages(): void;
  onError?: (error: unknown) => void;
}

export interface KeyBus {
  /** Tells every instance (this one included) that a key changed. */
  publish(keyId: string): Promise<void>;
  /** Unsubscribes and closes the subscriber connection (the publisher is the caller's). */
  close(): Promise<void>;
}

/**
 * Revocation fan-out: after a revoke, disable, rotate or scope change commits, the instance
 * that made it publishes the key id; every subscribed instance invalidates its key cache.
 * Pub/sub is at-most-once, so a lost connection clears the cache, and the key cache's short
 * TTL (and the database change feed) bound staleness if a message is lost anyway.
 */
export async function startRedisKeyBus(
  options: RedisKeyBusOptions,
  subscribeTimeoutMs = 2_000,
): Promise<KeyBus> {
  const channel = options.channel ?? "signet:key-changed";
  const { subscriber } = options;
  let connectedOnce = subscriber.status === "ready";

  subscriber.on("message", (from: string, keyId: string) => {
    if (from === channel && keyId.length > 0) options.onKeyChanged(keyId);
  });
  subscriber.on("close", () => {
    if (connectedOnce) options.onMissedMessages();
  });
  subscriber.on("ready", () => {
    if (connectedOnce) options.onMissedMessages();
    connectedOnce = true;
  });

  // Queued until connected; ioredis resubscribes by itself after every reconnect.
  const subscribed = subscriber.subscribe(channel);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    subscribed,
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        options.onError?.(new Error(`not subscribed to ${channel} yet; will keep trying`));
        resolve();
      }, subscribeTimeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  subscribed.catch((error: unknown) => options.onError?.(error));

  return {
    async publish(keyId) {
      await options.publisher.publish(channel, keyId);
    },
    async close() {
      await closeRedis(subscriber);
    },
  };
}

/**
 * For processes that change keys but serve nothing (the operator CLI): a publisher whose
 * `publish` never throws, since the database change feed delivers the change within 1 s anyway.
 */
export function createKeyChangePublisher(
  publisher: Redis,
  onError: (error: unknown) => void,
  channel = "signet:key-changed",
): { publish(keyId: string): Promise<void>; close(): Promise<void> } {
  return {
    async publish(keyId) {
      try {
        if (await whenReady(publisher, 1_000)) await publisher.publish(channel, keyId);
        else onError(new Error("Redis is not reachable"));
      } catch (error) {
        onError(error);
      }
    },
    close: () => closeRedis(publisher),
  };
}
