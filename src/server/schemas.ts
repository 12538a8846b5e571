import { z } from "@hono/zod-openapi";
import type { AuditEventRecord, KeyRecord } from "../store/ports.js";

export const KeyIdParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "key_01J9Z3ZK8Y5V6Q8W2N4R7T0ABC" }),
});

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  cursor: z.string().max(200).optional(),
});

export const PublicJwkSchema = z
  .object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string() })
  .openapi("PublicJwk");

export const KeyStatus = z.enum(["active", "disabled", "expired", "revoked"]);

export const KeySchema = z
  .object({
    id: z.string(),
    account_id: z.string(),
    name: z.string(),
    status: KeyStatus,
    fingerprint: z.string().openapi({ description: "RFC 7638 SHA-256 thumbprint of the public key" }),
    public_key: PublicJwkSchema,
    scopes: z.array(z.string()),
    allowed_ips: z.array(z.string()),
    reusable: z.boolean(),
    max_lifetime: z.number().int().nullable(),
    created_by: z.string(),
    rotated_from: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
  })
  .openapi("Key");

export const CredentialsSchema = z
  .object({
    type: z.literal("signet_service_key"),
    key_id: z.string(),
    account_id: z.string(),
    audience: z.string(),
    scopes: z.array(z.string()),
    private_key: z.string().openapi({ description: "PKCS#8 PEM. Shown once; the server keeps no copy." }),
    credential: z.string().openapi({ description: "The same key as one line (signet_sk_…)" }),
  })
  .openapi("Credentials");

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    request_id: z.string().optional(),
  })
  .catchall(z.unknown())
  .openapi("Problem");

export const AuditEventSchema = z
  .object({
    id: z.string(),
    account_id: z.string(),
    key_id: z.string().nullable(),
    actor: z.string(),
    action: z.string(),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .openapi("AuditEvent");

const problemContent = { "application/problem+json": { schema: ProblemSchema } };

/** The error responses every management route can give. */
export const managementErrors = {
  400: { description: "Invalid request (the field is named)", content: problemContent },
  401: { description: "Missing or invalid assertion", content: problemContent },
  403: { description: "The key lacks keys:manage", content: problemContent },
  503: { description: "Verifier unavailable (fails closed)", content: problemContent },
} as const;

export const notFound = {
  404: { description: "No such key in this account", content: problemContent },
} as const;
export const conflict = { 409: { description: "Conflicting state", content: problemContent } } as const;
export const authErrors = {
  401: managementErrors[401],
  403: { description: "Insufficient scope", content: problemContent },
  503: managementErrors[503],
} as const;

export const bearerSecurity = [{ SignetAssertion: [] }];

export function keyStatus(key: KeyRecord, now: number): z.infer<typeof KeyStatus> {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && key.expiresAt.getTime() <= now) return "expired";
  if (key.disabled) return "disabled";
  return "active";
}

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

/** The public view of a key: metadata and the public half only. */
export function keyView(key: KeyRecord, now: number): z.infer<typeof KeySchema> {
  return {
    id: key.id,
    account_id: key.accountId,
    name: key.name,
    status: keyStatus(key, now),
    fingerprint: key.fingerprint,
    public_key: { kty: "OKP", crv: "Ed25519", x: key.x },
    scopes: key.scopes,
    allowed_ips: key.allowedIps,
    reusable: key.reusable,
    max_lifetime: key.maxLifetime,
    created_by: key.createdBy,
    rotated_from: key.rotatedFrom,
    created_at: key.createdAt.toISOString(),
    updated_at: key.updatedAt.toISOString(),
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
    last_used_at: iso(key.lastUsedAt),
  };
}

export function auditView(event: AuditEventRecord): z.infer<typeof AuditEventSchema> {
  return {
    id: event.id,
    account_id: event.accountId,
    key_id: event.keyId,
    actor: event.actor,
    action: event.action,
    ip: event.ip,
    details: event.details,
    created_at: event.createdAt.toISOString(),
  };
}
