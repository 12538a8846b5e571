import type { Clock } from "../../core/clock.js";
import { buildCredentialsFile, type CredentialsFile } from "../../core/credentials.js";
import type { CryptoProvider } from "../../core/crypto-provider.js";
import {
  ConflictError,
  InvalidRequestError,
  NotFoundError,
  SignetError,
  VerifierUnavailableError,
} from "../../core/errors.js";
import {
  ACCOUNT_ID_PATTERN,
  isAccountId,
  isKeyId,
  newAccountId,
  newEventId,
  newKeyId,
} from "../../core/ids.js";
import { normalizeCidr } from "../../core/ip.js";
import { fingerprint, generateKeyPair, type PublicJwk } from "../../core/keys.js";
import { parsePublicKey } from "../../core/public-key.js";
import { normalizeScopes } from "../../core/scopes.js";
import { UniqueViolation } from "../../store/errors.js";
import type {
  AccountRecord,
  AuditEventRecord,
  KeyPatch,
  KeyRecord,
  NewKey,
  Page,
  Store,
} from "../../store/ports.js";
import type { Actor } from "./actor.js";

export interface KeyServiceOptions {
  store: Store;
  crypto: CryptoProvider;
  clock: Clock;
  /** The audience written into credentials files. */
  audience: string;
  /** Called after a key's committed change so caches drop it (and other instances hear of it). */
  onKeyChanged?: (keyId: string) => void | Promise<void>;
  /**
   * Bound on one write transaction (the change and its audit event), ms, before the call fails
   * closed with VerifierUnavailableError (503). Default 3,000 (below Prisma's 5 s interactive
   * transaction limit).
   */
  storeTimeoutMs?: number;
}

export interface CreateKeyInput {
  name: string;
  scopes: string[];
  expiresAt?: Date | null | undefined;
  allowedIps?: string[] | undefined;
  reusable?: boolean | undefined;
  maxLifetime?: number | null | undefined;
  /** A bring-your-own public key (JWK object or SPKI PEM); when absent the server makes the pair. */
  publicKey?: unknown;
}

export interface UpdateKeyInput {
  name?: string | undefined;
  scopes?: string[] | undefined;
  expiresAt?: Date | null | undefined;
  allowedIps?: string[] | undefined;
  disabled?: boolean | undefined;
}

export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;
export const MAX_ROTATION_GRACE_SECONDS = 30 * 24 * 3600;
// 1-100 characters, none of them control characters
const NAME_LENGTH = { min: 1, max: 100 };
const hasControlCharacter = (text: string): boolean =>
  [...text].some((ch) => ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127);

function field(name: string, message: string): InvalidRequestError {
  return new InvalidRequestError(`${name}: ${message}`, { field: name });
}

/**
 * Every key lifecycle rule lives here, shared by the API, the console and the CLI. Each
 * change and its audit event commit together; private keys leave only in the return value.
 */
export function createKeyService(options: KeyServiceOptions) {
  const { store, clock } = options;
  const storeTimeoutMs = options.storeTimeoutMs ?? 3_000;

  /**
   * store.transaction, failing closed: a store or audit writer that throws or does not answer
   * within storeTimeoutMs becomes VerifierUnavailableError, and work that finishes after the
   * deadline throws inside the transaction so it rolls back instead of committing late.
   */
  async function atomically<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new VerifierUnavailableError("the key store did not answer in time; try again"));
      }, storeTimeoutMs);
    });
    const run = store.transaction(async (tx) => {
      const result = await work(tx);
      if (timedOut) throw new VerifierUnavailableError("the key store answered too late; rolled back");
      return result;
    });
    run.catch(() => {}); // after the deadline nobody awaits it
    try {
      return await Promise.race([run, deadline]);
    } catch (error) {
      if (error instanceof SignetError || error instanceof UniqueViolation) throw error;
      throw new VerifierUnavailableError("the key store is unavailable; try again", error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** store.createKeyWithAudit where the store has it, failing closed like `atomically`. */
  async function inOneWrite(key: NewKey, event: AuditEventRecord) {
    if (!store.createKeyWithAudit) return undefined;
    try {
      return await store.createKeyWithAudit(key, event);
    } catch (error) {
      if (error instanceof UniqueViolation) throw error;
      throw new VerifierUnavailableError("the key store is unavailable; try again", error);
    }
  }

  async function changed(keyId: string): Promise<void> {
    await options.onKeyChanged?.(keyId);
  }

  function auditEvent(
    accountId: string,
    keyId: string | null,
    actor: Actor,
    action: string,
    details: Record<string, unknown>,
  ): AuditEventRecord {
    return {
      id: newEventId(),
      accountId,
      keyId,
      actor: actor.id,
      action,
      ip: actor.ip,
      details,
      createdAt: new Date(clock.now()),
    };
  }

  function audit(
    tx: Store,
    accountId: string,
    keyId: string | null,
    actor: Actor,
    action: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    return tx.audit.append(auditEvent(accountId, keyId, actor, action, details));
  }

  function checkName(name: string): string {
    const trimmed = name.trim();
    if (
      trimmed.length < NAME_LENGTH.min ||
      trimmed.length > NAME_LENGTH.max ||
      hasControlCharacter(trimmed)
    ) {
      throw field("name", "must be 1-100 printable characters");
    }
    return trimmed;
  }

  function checkScopes(scopes: string[]): string[] {
    if (scopes.length === 0) throw field("scopes", "at least one scope is required");
    if (scopes.length > 100) throw field("scopes", "at most 100 scopes");
    try {
      return normalizeScopes(scopes);
    } catch (error) {
      throw field("scopes", (error as Error).message);
    }
  }

  function checkIps(ranges: string[]): string[] {
    if (ranges.length > 100) throw field("allowed_ips", "at most 100 ranges");
    try {
      return [...new Set(ranges.map(normalizeCidr))];
    } catch (error) {
      throw field("allowed_ips", (error as Error).message);
    }
  }

  function checkExpiry(expiresAt: Date | null | undefined): Date | null {
    if (expiresAt === null || expiresAt === undefined) return null;
    if (Number.isNaN(expiresAt.getTime())) throw field("expires_at", "is not a valid date-time");
    if (expiresAt.getTime() <= clock.now()) throw field("expires_at", "must be in the future");
    return expiresAt;
  }

  async function requireKey(accountId: string, keyId: string): Promise<KeyRecord> {
    // Ids are checked against their pattern before they reach a query.
    if (!isKeyId(keyId)) throw new NotFoundError("no such key");
    const key = await store.keys.get(keyId);
    if (!key || key.accountId !== accountId) throw new NotFoundError("no such key");
    return key;
  }

  interface KeySettings {
    name: string;
    scopes: string[];
    expiresAt: Date | null;
    allowedIps: string[];
    reusable: boolean;
    maxLifetime: number | null;
  }

  async function newKey(
    accountId: string,
    input: KeySettings,
    jwk: PublicJwk,
    actor: Actor,
    rotatedFrom: string | null,
  ): Promise<NewKey> {
    return {
      id: newKeyId(),
      accountId,
      name: input.name,
      x: jwk.x,
      fingerprint: await fingerprint(jwk, options.crypto),
      scopes: input.scopes,
      allowedIps: input.allowedIps,
      reusable: input.reusable,
      maxLifetime: input.maxLifetime,
      createdBy: actor.id,
      rotatedFrom,
      createdAt: new Date(clock.now()),
      expiresAt: input.expiresAt,
    };
  }

  /** The store's write, with a second registration of the same public key as a conflict. */
  async function refusingDuplicates<T>(write: Promise<T>): Promise<T> {
    try {
      return await write;
    } catch (error) {
      if (error instanceof UniqueViolation) throw new ConflictError("this public key is already registered");
      throw error;
    }
  }

  async function insertKey(
    tx: Store,
    accountId: string,
    input: KeySettings,
    jwk: PublicJwk,
    actor: Actor,
    rotatedFrom: string | null,
  ): Promise<KeyRecord> {
    const key = await newKey(accountId, input, jwk, actor, rotatedFrom);
    return refusingDuplicates(tx.keys.create(key));
  }

  const service = {
    async createAccount(name: string, actor: Actor): Promise<AccountRecord> {
      const trimmed = name.trim();
      if (!/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(trimmed)) {
        throw field("name", "account names are 1-63 letters, digits, '.', '_' or '-'");
      }
      if (ACCOUNT_ID_PATTERN.test(trimmed)) throw field("name", "must not look like an account id");
      if (await store.accounts.getByName(trimmed))
        throw new ConflictError(`account ${trimmed} already exists`);
      try {
        return await atomically(async (tx) => {
          const account = await tx.accounts.create({
            id: newAccountId(),
            name: trimmed,
            createdAt: new Date(clock.now()),
          });
          await audit(tx, account.id, null, actor, "account.created", { name: trimmed });
          return account;
        });
      } catch (error) {
        if (error instanceof UniqueViolation) throw new ConflictError(`account ${trimmed} already exists`);
        throw error;
      }
    },

    /** An account by id or by name. */
    async findAccount(idOrName: string): Promise<AccountRecord> {
      const account = isAccountId(idOrName)
        ? await store.accounts.get(idOrName)
        : await store.accounts.getByName(idOrName);
      if (!account) throw new NotFoundError(`no account ${JSON.stringify(idOrName)}`);
      return account;
    },

    async createKey(
      accountId: string,
      input: CreateKeyInput,
      actor: Actor,
    ): Promise<{ key: KeyRecord; credentials: CredentialsFile | null }> {
      const settings = {
        name: checkName(input.name),
        scopes: checkScopes(input.scopes),
        expiresAt: checkExpiry(input.expiresAt),
        allowedIps: checkIps(input.allowedIps ?? []),
        reusable: input.reusable ?? false,
        maxLifetime: input.maxLifetime ?? null,
      };
      if (
        settings.maxLifetime !== null &&
        (!Number.isInteger(settings.maxLifetime) || settings.maxLifetime < 1 || settings.maxLifetime > 300)
      ) {
        throw field("max_lifetime", "must be an integer from 1 to 300 seconds");
      }
      let jwk: PublicJwk;
      let seed: Uint8Array | null = null;
      if (input.publicKey !== undefined) {
        try {
          jwk = parsePublicKey(input.publicKey);
        } catch (error) {
          if (error instanceof SignetError)
            throw field("public_key", error.message.replace(/^public_key:?\s*/, ""));
          throw error;
        }
      } else {
        const pair = await generateKeyPair(options.crypto);
        jwk = pair.publicJwk;
        seed = pair.seed;
      }
      const record = await newKey(accountId, settings, jwk, actor, null);
      const event = auditEvent(accountId, record.id, actor, "key.created", {
        name: record.name,
        scopes: record.scopes,
        fingerprint: record.fingerprint,
        generated_by: seed ? "server" : "client",
      });
      // One synchronous write where the store has it (SQLite: ~0.2 ms of CPU less than an
      // interactive transaction), else the transaction; the same rows either way.
      let key = await refusingDuplicates(inOneWrite(record, event));
      if (key === "no-account") throw new NotFoundError("no such account");
      key ??= await atomically(async (tx) => {
        if (!(await tx.accounts.get(accountId))) throw new NotFoundError("no such account");
        const created = await refusingDuplicates(tx.keys.create(record));
        await tx.audit.append(event);
        return created;
      });
      await changed(key.id);
      const credentials = seed
        ? buildCredentialsFile({
            keyId: key.id,
            accountId,
            audience: options.audience,
            scopes: key.scopes,
            seed,
          })
        : null;
      seed?.fill(0);
      return { key, credentials };
    },

    async listKeys(
      accountId: string,
      page: { limit: number; cursor?: string | undefined },
    ): Promise<Page<KeyRecord>> {
      return store.keys.list(accountId, page);
    },

    getKey: requireKey,

    async updateKey(
      accountId: string,
      keyId: string,
      input: UpdateKeyInput,
      actor: Actor,
    ): Promise<KeyRecord> {
      const current = await requireKey(accountId, keyId);
      if (current.revokedAt) throw new ConflictError("a revoked key cannot be changed");
      const patch: KeyPatch = { updatedAt: new Date(Math.max(clock.now(), current.updatedAt.getTime() + 1)) };
      const changes: Record<string, unknown> = {};
      if (input.name !== undefined) patch.name = changes.name = checkName(input.name);
      if (input.scopes !== undefined) patch.scopes = checkScopes(input.scopes);
      if (input.allowedIps !== undefined) patch.allowedIps = checkIps(input.allowedIps);
      if (input.expiresAt !== undefined) patch.expiresAt = checkExpiry(input.expiresAt);
      if (input.disabled !== undefined) patch.disabled = input.disabled;
      if (patch.scopes) changes.scopes = patch.scopes;
      if (patch.allowedIps) changes.allowed_ips = patch.allowedIps;
      if (input.expiresAt !== undefined) changes.expires_at = patch.expiresAt?.toISOString() ?? null;
      if (patch.disabled !== undefined) changes.disabled = patch.disabled;
      const updated = await atomically(async (tx) => {
        const row = await tx.keys.update(keyId, patch);
        if (!row) throw new NotFoundError("no such key");
        await audit(tx, accountId, keyId, actor, "key.updated", changes);
        return row;
      });
      await changed(keyId);
      return updated;
    },

    async rotateKey(
      accountId: string,
      keyId: string,
      input: { gracePeriodSeconds?: number | undefined },
      actor: Actor,
    ): Promise<{ key: KeyRecord; credentials: CredentialsFile; previous: KeyRecord }> {
      const grace = input.gracePeriodSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
      if (!Number.isInteger(grace) || grace < 0 || grace > MAX_ROTATION_GRACE_SECONDS) {
        throw field("grace_period_seconds", `must be an integer from 0 to ${MAX_ROTATION_GRACE_SECONDS}`);
      }
      const current = await requireKey(accountId, keyId);
      if (current.revokedAt) throw new ConflictError("a revoked key cannot be rotated");
      const now = clock.now();
      if (current.expiresAt && current.expiresAt.getTime() <= now)
        throw new ConflictError("an expired key cannot be rotated");
      const pair = await generateKeyPair(options.crypto);
      const graceEnd = new Date(now + grace * 1000);
      const previousExpiry = current.expiresAt && current.expiresAt < graceEnd ? current.expiresAt : graceEnd;
      const result = await atomically(async (tx) => {
        const key = await insertKey(
          tx,
          accountId,
          {
            name: current.name,
            scopes: current.scopes,
            expiresAt: current.expiresAt && current.expiresAt.getTime() > now ? current.expiresAt : null,
            allowedIps: current.allowedIps,
            reusable: current.reusable,
            maxLifetime: current.maxLifetime,
          },
          pair.publicJwk,
          actor,
          current.id,
        );
        const previous = await tx.keys.update(current.id, {
          expiresAt: previousExpiry,
          updatedAt: new Date(Math.max(now, current.updatedAt.getTime() + 1)),
        });
        if (!previous) throw new NotFoundError("no such key");
        await audit(tx, accountId, key.id, actor, "key.rotated", {
          previous_key_id: current.id,
          fingerprint: key.fingerprint,
          previous_expires_at: previousExpiry.toISOString(),
        });
        return { key, previous };
      });
      await changed(current.id);
      await changed(result.key.id);
      const credentials = buildCredentialsFile({
        keyId: result.key.id,
        accountId,
        audience: options.audience,
        scopes: result.key.scopes,
        seed: pair.seed,
      });
      pair.seed.fill(0);
      return { ...result, credentials };
    },

    async revokeKey(accountId: string, keyId: string, actor: Actor): Promise<KeyRecord> {
      const current = await requireKey(accountId, keyId);
      if (current.revokedAt) return current;
      const now = clock.now();
      const revoked = await atomically(async (tx) => {
        const row = await tx.keys.update(keyId, {
          revokedAt: new Date(now),
          updatedAt: new Date(Math.max(now, current.updatedAt.getTime() + 1)),
        });
        if (!row) throw new NotFoundError("no such key");
        await audit(tx, accountId, keyId, actor, "key.revoked", { name: current.name });
        return row;
      });
      await changed(keyId);
      return revoked;
    },

    async listAudit(
      accountId: string,
      page: { limit: number; cursor?: string | undefined; keyId?: string | undefined },
    ): Promise<Page<AuditEventRecord>> {
      return store.audit.list(accountId, page);
    },
  };
  return service;
}

export type KeyService = ReturnType<typeof createKeyService>;
