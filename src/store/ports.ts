/**
 * Storage ports. Services talk to these; Prisma (SQLite, Postgres, D1) and memory implement
 * them and pass one conformance suite. Implementations throw on infrastructure failure.
 */
export interface AccountRecord {
  id: string;
  name: string;
  createdAt: Date;
}

export interface KeyRecord {
  id: string;
  accountId: string;
  name: string;
  /** base64url Ed25519 public key (JWK x). There is no private key field, by design. */
  x: string;
  fingerprint: string;
  scopes: string[];
  allowedIps: string[];
  reusable: boolean;
  maxLifetime: number | null;
  disabled: boolean;
  createdBy: string;
  rotatedFrom: string | null;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export type NewKey = Omit<KeyRecord, "lastUsedAt" | "revokedAt" | "disabled" | "updatedAt"> & {
  disabled?: boolean;
};

export interface KeyPatch {
  name?: string;
  scopes?: string[];
  allowedIps?: string[];
  expiresAt?: Date | null;
  disabled?: boolean;
  revokedAt?: Date;
  updatedAt: Date;
}

export interface AuditEventRecord {
  id: string;
  accountId: string;
  keyId: string | null;
  actor: string;
  action: string;
  ip: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface AccountStore {
  create(account: AccountRecord): Promise<AccountRecord>;
  get(id: string): Promise<AccountRecord | null>;
  getByName(name: string): Promise<AccountRecord | null>;
  list(): Promise<AccountRecord[]>;
}

export interface KeyStore {
  create(key: NewKey): Promise<KeyRecord>;
  get(id: string): Promise<KeyRecord | null>;
  getByFingerprint(fingerprint: string): Promise<KeyRecord | null>;
  /** Newest first. */
  list(accountId: string, page: PageRequest): Promise<Page<KeyRecord>>;
  update(id: string, patch: KeyPatch): Promise<KeyRecord | null>;
  /** Records last use without touching updatedAt (it is not a change anyone must react to). */
  touchLastUsed(uses: ReadonlyArray<{ id: string; at: Date }>): Promise<void>;
  /** Keys whose updatedAt is at or after `since`: how caches notice writes by other processes. */
  changedSince(since: Date): Promise<Array<{ id: string; updatedAt: Date }>>;
}

export interface AuditStore {
  append(event: AuditEventRecord): Promise<void>;
  /** Newest first. */
  list(
    accountId: string,
    page: PageRequest & { keyId?: string | undefined },
  ): Promise<Page<AuditEventRecord>>;
}

export interface WebhookRecord {
  id: string;
  accountId: string;
  url: string;
  /** Event types delivered; empty means every event. */
  events: string[];
  disabled: boolean;
  createdBy: string;
  createdAt: Date;
}

export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookDeliveryRecord {
  id: string;
  webhookId: string;
  accountId: string;
  eventId: string;
  eventType: string;
  /** The JSON body, exactly as sent. */
  payload: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: Date | null;
  lastError: string | null;
  responseStatus: number | null;
  /** Scheduled notices carry one so each is sent once per webhook. */
  dedupeKey: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export type NewWebhookDelivery = Pick<
  WebhookDeliveryRecord,
  "id" | "webhookId" | "accountId" | "eventId" | "eventType" | "payload" | "dedupeKey" | "createdAt"
>;

/** The outcome of one attempt. */
export interface WebhookAttemptResult {
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  responseStatus: number | null;
  deliveredAt: Date | null;
}

/** The server's own webhook signing key (PKCS#8 PEM); `id` is its RFC 7638 thumbprint. */
export interface WebhookSigningKeyRecord {
  id: string;
  privateKey: string;
  createdAt: Date;
}

export interface WebhookStore {
  create(webhook: WebhookRecord): Promise<WebhookRecord>;
  get(id: string): Promise<WebhookRecord | null>;
  /** Newest first. */
  list(accountId: string, page: PageRequest): Promise<Page<WebhookRecord>>;
  /** Every enabled webhook of one account, or of all accounts. */
  listEnabled(accountId?: string): Promise<WebhookRecord[]>;
  /** Deletes the webhook and its deliveries; false if there was none. */
  delete(id: string): Promise<boolean>;
  /** Queues a delivery (due at createdAt). With a dedupeKey already used, adds nothing: null. */
  addDelivery(delivery: NewWebhookDelivery): Promise<WebhookDeliveryRecord | null>;
  /** Newest first. */
  listDeliveries(webhookId: string, page: PageRequest): Promise<Page<WebhookDeliveryRecord>>;
  /** Pending deliveries due at `now`, oldest due first. */
  dueDeliveries(now: Date, limit: number): Promise<WebhookDeliveryRecord[]>;
  /**
   * Takes a delivery for one attempt: only if it is still pending, has made `attempts`
   * attempts and is due at `now`; its next attempt moves to `leaseUntil` so no other worker
   * takes it meanwhile. True if this caller got it.
   */
  claimDelivery(id: string, attempts: number, now: Date, leaseUntil: Date): Promise<boolean>;
  recordAttempt(id: string, result: WebhookAttemptResult): Promise<void>;
  /** Oldest first. */
  listSigningKeys(): Promise<WebhookSigningKeyRecord[]>;
  /** Adds a signing key; an id already present is left as it is. */
  addSigningKey(key: WebhookSigningKeyRecord): Promise<void>;
}

export type UserRole = "owner" | "member";

/** A person who signs in to the console. There is no password field, only its Argon2id PHC hash. */
export interface UserRecord {
  id: string;
  accountId: string;
  /** Lower-cased; unique across Signet. */
  email: string;
  role: UserRole;
  passwordHash: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  lastSignInAt: Date | null;
}

export interface UserPatch {
  role?: UserRole;
  passwordHash?: string | null;
  lastSignInAt?: Date;
  updatedAt: Date;
}

/** A WebAuthn credential: its public key, never anything secret. */
export interface PasskeyRecord {
  /** The credential id, base64url. */
  id: string;
  userId: string;
  /** base64url COSE public key. */
  publicKey: string;
  counter: number;
  transports: string[];
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface UserStore {
  /** Throws UniqueViolation when the email is taken. */
  create(user: UserRecord): Promise<UserRecord>;
  get(id: string): Promise<UserRecord | null>;
  getByEmail(email: string): Promise<UserRecord | null>;
  /** Oldest first. */
  listByAccount(accountId: string): Promise<UserRecord[]>;
  update(id: string, patch: UserPatch): Promise<UserRecord | null>;
  /** Removes the user with their sessions, passkeys and sign-in links; false if there was none. */
  delete(id: string): Promise<boolean>;
  /** Throws UniqueViolation when the credential id is registered already. */
  addPasskey(passkey: PasskeyRecord): Promise<void>;
  getPasskey(id: string): Promise<PasskeyRecord | null>;
  /** Oldest first. */
  listPasskeys(userId: string): Promise<PasskeyRecord[]>;
  recordPasskeyUse(id: string, counter: number, at: Date): Promise<void>;
  deletePasskey(userId: string, id: string): Promise<boolean>;
}

/** A console session; only the SHA-256 of its id is kept. */
export interface SessionRecord {
  idHash: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** The absolute end, whatever the activity. */
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

/** A one-time sign-in link; only the SHA-256 of its token is kept. */
export interface SignInLinkRecord {
  tokenHash: string;
  userId: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface ChallengeRecord {
  challenge: string;
  purpose: "register" | "authenticate";
  userId: string | null;
  expiresAt: Date;
}

export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  get(idHash: string): Promise<SessionRecord | null>;
  touch(idHash: string, lastSeenAt: Date): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Ends every session of a user (password change, removal); how many there were. */
  deleteForUser(userId: string): Promise<number>;
  /** Sweeps sessions past their end or idle since before `idleBefore`, and spent links, challenges and counters. */
  deleteExpired(now: Date, idleBefore: Date): Promise<void>;
  addLink(link: SignInLinkRecord): Promise<void>;
  getLink(tokenHash: string): Promise<SignInLinkRecord | null>;
  /** Marks an unused, unexpired link used and returns it; null when it is unknown, used or expired. One caller wins. */
  consumeLink(tokenHash: string, now: Date): Promise<SignInLinkRecord | null>;
  addChallenge(challenge: ChallengeRecord): Promise<void>;
  /** Deletes the challenge and returns it if it had not expired; null otherwise. One caller wins. */
  consumeChallenge(challenge: string, now: Date): Promise<ChallengeRecord | null>;
  /** Counts one hit on `key` in a fixed window of `windowMs`: the count including this one and the window's end. */
  hit(key: string, windowMs: number, now: Date): Promise<{ count: number; resetAt: Date }>;
}

export interface Store {
  readonly kind: string;
  readonly accounts: AccountStore;
  readonly keys: KeyStore;
  readonly audit: AuditStore;
  /** Webhooks and their deliveries (absent in stores that do not keep them). */
  readonly webhooks?: WebhookStore;
  /** Console users and their passkeys (absent in stores that do not keep them). */
  readonly users?: UserStore;
  /** Console sessions, sign-in links, WebAuthn challenges and rate-limit counters. */
  readonly sessions?: SessionStore;
  /** Runs `work` atomically: all of its writes land, or none. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
  /**
   * A new key and its audit event in one atomic write, without an interactive transaction,
   * where the store can do that synchronously (SQLite's prepared statements on its one
   * connection). "no-account" when the account does not exist (nothing written); undefined
   * when it cannot now (a transaction is open): the caller uses `transaction` instead. Throws
   * UniqueViolation like `keys.create`. Optional: stores without it always use `transaction`.
   */
  createKeyWithAudit?(key: NewKey, event: AuditEventRecord): Promise<KeyRecord | "no-account" | undefined>;
  /** Cheap liveness probe. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
