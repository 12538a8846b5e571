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

export interface Store {
  readonly kind: string;
  readonly accounts: AccountStore;
  readonly keys: KeyStore;
  readonly audit: AuditStore;
  /** Runs `work` atomically: all of its writes land, or none. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
  /** Cheap liveness probe. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
