import { z } from "@hono/zod-openapi";
import { NotFoundError } from "../core/errors.js";
import type { WebhookDeliveryRecord, WebhookRecord } from "../store/ports.js";
import type { AppDeps } from "./env.js";
import { WEBHOOK_EVENT_TYPES } from "./services/webhook-events.js";
import type { WebhookService } from "./services/webhooks.js";

export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES).openapi("WebhookEventType");

export const WebhookIdParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "whk_01J9Z3ZK8Y5V6Q8W2N4R7T0ABC" }),
});

export const WebhookSchema = z
  .object({
    id: z.string(),
    account_id: z.string(),
    url: z.string().openapi({ description: "Where events are POSTed; also the `aud` of every signature" }),
    events: z.array(WebhookEventType).openapi({ description: "Event types delivered; empty means all" }),
    disabled: z.boolean(),
    created_by: z.string(),
    created_at: z.string(),
  })
  .openapi("Webhook");

export const WebhookDeliverySchema = z
  .object({
    id: z.string(),
    webhook_id: z.string(),
    event_id: z.string(),
    event_type: WebhookEventType,
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_error: z.string().nullable(),
    response_status: z.number().int().nullable(),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()).openapi({ description: "The JSON body as delivered" }),
  })
  .openapi("WebhookDelivery");

export const WebhookJwksSchema = z
  .object({
    keys: z.array(
      z.object({
        kty: z.literal("OKP"),
        crv: z.literal("Ed25519"),
        x: z.string(),
        kid: z.string().openapi({ description: "RFC 7638 thumbprint; the `kid` of each signature" }),
        alg: z.literal("EdDSA"),
        use: z.literal("sig"),
      }),
    ),
  })
  .openapi("WebhookJwks");

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

export function webhookView(hook: WebhookRecord): z.infer<typeof WebhookSchema> {
  return {
    id: hook.id,
    account_id: hook.accountId,
    url: hook.url,
    events: hook.events as z.infer<typeof WebhookEventType>[],
    disabled: hook.disabled,
    created_by: hook.createdBy,
    created_at: hook.createdAt.toISOString(),
  };
}

export function deliveryView(delivery: WebhookDeliveryRecord): z.infer<typeof WebhookDeliverySchema> {
  return {
    id: delivery.id,
    webhook_id: delivery.webhookId,
    event_id: delivery.eventId,
    event_type: delivery.eventType as z.infer<typeof WebhookEventType>,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: iso(delivery.nextAttemptAt),
    last_error: delivery.lastError,
    response_status: delivery.responseStatus,
    created_at: delivery.createdAt.toISOString(),
    delivered_at: iso(delivery.deliveredAt),
    payload: JSON.parse(delivery.payload) as Record<string, unknown>,
  };
}

/** The webhook service, or 404 where this deployment has none. */
export function webhooksOf(deps: AppDeps): WebhookService {
  if (!deps.webhooks) throw new NotFoundError("webhooks are not enabled on this server");
  return deps.webhooks;
}
