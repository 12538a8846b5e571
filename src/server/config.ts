import { z } from "zod";
import { parseWebhookSigningKey } from "./services/webhook-signing.js";

const origin = z
  .string()
  .url()
  .refine((value) => {
    const url = new URL(value);
    return (
      (url.protocol === "http:" || url.protocol === "https:") && (url.pathname === "/" || url.pathname === "")
    );
  }, "must be an http(s) origin with no path, e.g. https://api.example.com")
  .transform((value) => new URL(value).origin);

const seconds = (max: number) => z.coerce.number().int().min(0).max(max);

/** The environment Signet reads, once, at its entry. */
export const EnvSchema = z.object({
  SIGNET_PUBLIC_URL: origin.optional(),
  SIGNET_AUDIENCE: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, "must start with file: (SQLite) or postgres:// (PostgreSQL)")
    .default("file:./data/signet.db"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
    .optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(8787),
  HOST: z.string().min(1).default("0.0.0.0"),
  SIGNET_CLOCK_SKEW: seconds(300).default(60),
  SIGNET_MAX_LIFETIME: seconds(300).min(1).default(300),
  SIGNET_TRUST_PROXY: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  SIGNET_LOG: z.enum(["json", "pretty", "silent"]).default("json"),
  SIGNET_WEBHOOK_SIGNING_KEY: z
    .string()
    .refine((v) => {
      try {
        parseWebhookSigningKey(v);
        return true;
      } catch {
        return false;
      }
    }, "must be an Ed25519 PKCS#8 PEM or a 32-byte seed in base64url")
    .optional(),
  SIGNET_WEBHOOK_ALLOW_LOOPBACK: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
});

export type SignetEnv = z.infer<typeof EnvSchema>;

export interface NodeConfig {
  publicUrl: string;
  audience: string;
  databaseUrl: string;
  redisUrl: string | undefined;
  port: number;
  host: string;
  clockSkew: number;
  maxLifetime: number;
  trustProxy: boolean;
  log: "json" | "pretty" | "silent";
  /** The server's own webhook signing key (PEM or base64url seed); else made and stored on first use. */
  webhookSigningKey?: string | undefined;
  /** Let webhooks target loopback addresses (tests, local setups); refused by default. */
  webhookAllowLoopback?: boolean;
}

/** Parses the environment or throws one line naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined>): NodeConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${issue?.path.join(".") ?? "environment"}: ${issue?.message ?? "invalid"}`);
  }
  const e = parsed.data;
  const publicUrl = e.SIGNET_PUBLIC_URL ?? `http://localhost:${e.PORT}`;
  return {
    publicUrl,
    audience: e.SIGNET_AUDIENCE ?? publicUrl,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    port: e.PORT,
    host: e.HOST,
    clockSkew: e.SIGNET_CLOCK_SKEW,
    maxLifetime: e.SIGNET_MAX_LIFETIME,
    trustProxy: e.SIGNET_TRUST_PROXY,
    log: e.SIGNET_LOG,
    webhookSigningKey: e.SIGNET_WEBHOOK_SIGNING_KEY,
    webhookAllowLoopback: e.SIGNET_WEBHOOK_ALLOW_LOOPBACK,
  };
}

export class ConfigError extends Error {}
