import type { Clock } from "../core/clock.js";
import { ConflictError, InvalidRequestError, NotFoundError } from "../core/errors.js";
import { newEventId } from "../core/ids.js";
import type { Actor } from "../server/services/actor.js";
import { UniqueViolation } from "../store/errors.js";
import type { SessionStore, Store, UserRecord, UserRole, UserStore } from "../store/ports.js";
import type { PasswordHasher } from "./password.js";
import { isUserId, newUserId, randomToken, sha256 } from "./tokens.js";

export const LINK_TTL_MS = 15 * 60 * 1000;
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;
const EMAIL_PATTERN = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:]+$/;

function field(name: string, message: string): InvalidRequestError {
  return new InvalidRequestError(`${name}: ${message}`, { field: name });
}

/** Lower-cased and trimmed, or an InvalidRequestError naming `email`. */
export function normalizeEmail(input: string): string {
  const email = input.trim().toLowerCase();
  if (email.length === 0) throw field("email", "enter an email address");
  if (email.length > 254 || !EMAIL_PATTERN.test(email)) throw field("email", "enter a valid email address");
  return email;
}

/** Why a new password is not acceptable, or null when it is. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN) return `use at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `use at most ${PASSWORD_MAX} characters`;
  if (password.trim().toLowerCase() === email.toLowerCase()) return "must not be your email address";
  return null;
}

export interface ConsoleStores {
  users: UserStore;
  sessions: SessionStore;
}

/** The user and session stores, or a clear error when this store does not keep them. */
export function consoleStores(store: Store): ConsoleStores {
  if (!store.users || !store.sessions) {
    throw new Error(`the ${store.kind} store does not keep console users and sessions`);
  }
  return { users: store.users, sessions: store.sessions };
}

export interface SignInLink {
  url: string;
  expiresAt: Date;
}

export interface UserServiceOptions {
  store: Store;
  clock: Clock;
  /** The public origin the sign-in links point at. */
  publicUrl: string;
  hasher: PasswordHasher;
  linkTtlMs?: number;
}

/** People and their sign-in material. Shared by the console and the operator CLI. */
export function createUserService(options: UserServiceOptions) {
  const { store, clock, hasher } = options;
  const linkTtl = options.linkTtlMs ?? LINK_TTL_MS;

  async function audit(
    tx: Store,
    accountId: string,
    actor: Actor,
    action: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await tx.audit.append({
      id: newEventId(),
      accountId,
      keyId: null,
      actor: actor.id,
      action,
      ip: actor.ip,
      details,
      createdAt: new Date(clock.now()),
    });
  }

  async function addLink(tx: Store, user: UserRecord, actor: Actor): Promise<SignInLink> {
    const token = randomToken();
    const now = clock.now();
    const expiresAt = new Date(now + linkTtl);
    await consoleStores(tx).sessions.addLink({
      tokenHash: await sha256(token),
      userId: user.id,
      createdBy: actor.id,
      createdAt: new Date(now),
      expiresAt,
      usedAt: null,
    });
    return { url: `${options.publicUrl}/console/link?token=${token}`, expiresAt };
  }

  const service = {
    /** A new user with a one-time sign-in link (15 minutes, single use). */
    async createUser(
      accountId: string,
      input: { email: string; role: UserRole },
      actor: Actor,
    ): Promise<{ user: UserRecord; link: SignInLink }> {
      const email = normalizeEmail(input.email);
      if (input.role !== "owner" && input.role !== "member") throw field("role", "choose owner or member");
      const { users } = consoleStores(store);
      if (await users.getByEmail(email))
        throw new ConflictError(`a user with the email ${email} already exists`);
      try {
        return await store.transaction(async (tx) => {
          if (!(await tx.accounts.get(accountId))) throw new NotFoundError("no such account");
          const now = new Date(clock.now());
          const user = await consoleStores(tx).users.create({
            id: newUserId(),
            accountId,
            email,
            role: input.role,
            passwordHash: null,
            createdBy: actor.id,
            createdAt: now,
            updatedAt: now,
            lastSignInAt: null,
          });
          const link = await addLink(tx, user, actor);
          await audit(tx, accountId, actor, "user.created", { user_id: user.id, email, role: input.role });
          return { user, link };
        });
      } catch (error) {
        if (error instanceof UniqueViolation) {
          throw new ConflictError(`a user with the email ${email} already exists`);
        }
        throw error;
      }
    },

    /** A fresh one-time sign-in link for an existing user (operator recovery). */
    async issueLink(userId: string, actor: Actor): Promise<SignInLink> {
      const user = isUserId(userId) ? await consoleStores(store).users.get(userId) : null;
      if (!user) throw new NotFoundError("no such user");
      return store.transaction(async (tx) => {
        const link = await addLink(tx, user, actor);
        await audit(tx, user.accountId, actor, "user.link_issued", { user_id: user.id });
        return link;
      });
    },

    async findByEmail(email: string): Promise<UserRecord> {
      const user = await consoleStores(store).users.getByEmail(normalizeEmail(email));
      if (!user) throw new NotFoundError(`no user ${JSON.stringify(email.trim())}`);
      return user;
    },

    listUsers(accountId: string): Promise<UserRecord[]> {
      return consoleStores(store).users.listByAccount(accountId);
    },

    /** Sets (or replaces) a password. Other sessions of the user end; the caller's survives. */
    async setPassword(user: UserRecord, password: string, actor: Actor): Promise<void> {
      const problem = passwordProblem(password, user.email);
      if (problem) throw field("new_password", problem);
      const passwordHash = await hasher.hash(password);
      await store.transaction(async (tx) => {
        const updated = await consoleStores(tx).users.update(user.id, {
          passwordHash,
          updatedAt: new Date(clock.now()),
        });
        if (!updated) throw new NotFoundError("no such user");
        await audit(
          tx,
          user.accountId,
          actor,
          user.passwordHash ? "user.password_changed" : "user.password_set",
          {
            user_id: user.id,
          },
        );
      });
    },

    /** An owner removes someone from the account (never themselves). */
    async removeUser(owner: UserRecord, userId: string, actor: Actor): Promise<UserRecord> {
      const { users } = consoleStores(store);
      const target = isUserId(userId) ? await users.get(userId) : null;
      if (!target || target.accountId !== owner.accountId) throw new NotFoundError("no such user");
      if (target.id === owner.id) throw new ConflictError("you cannot remove yourself");
      await store.transaction(async (tx) => {
        if (!(await consoleStores(tx).users.delete(target.id))) throw new NotFoundError("no such user");
        await audit(tx, owner.accountId, actor, "user.removed", { user_id: target.id, email: target.email });
      });
      return target;
    },

    /** Records an account event (inside `tx` when given). Details never hold secrets. */
    audit: (
      accountId: string,
      actor: Actor,
      action: string,
      details: Record<string, unknown>,
      tx: Store = store,
    ) => audit(tx, accountId, actor, action, details),
  };
  return service;
}

export type UserService = ReturnType<typeof createUserService>;
