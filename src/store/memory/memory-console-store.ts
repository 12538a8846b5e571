import { UniqueViolation } from "../errors.js";
import type {
  ChallengeRecord,
  PasskeyRecord,
  SessionRecord,
  SessionStore,
  SignInLinkRecord,
  UserRecord,
  UserStore,
} from "../ports.js";

const clone = <T>(value: T): T => structuredClone(value);

const oldestFirst = (a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

interface State {
  users: Map<string, UserRecord>;
  passkeys: Map<string, PasskeyRecord>;
  sessions: Map<string, SessionRecord>;
  links: Map<string, SignInLinkRecord>;
  challenges: Map<string, ChallengeRecord>;
  counters: Map<string, { count: number; resetAt: Date }>;
}

const emptyState = (): State => ({
  users: new Map(),
  passkeys: new Map(),
  sessions: new Map(),
  links: new Map(),
  challenges: new Map(),
  counters: new Map(),
});

/** The in-memory console stores (users, sessions), with snapshot/restore for transactions. */
export function createMemoryConsoleStores(accountExists: (id: string) => boolean): {
  users: UserStore;
  sessions: SessionStore;
  snapshot(): unknown;
  restore(snapshot: unknown): void;
} {
  let state = emptyState();

  function removeWhere<V>(map: Map<string, V>, test: (value: V) => boolean): number {
    let removed = 0;
    for (const [k, v] of map) {
      if (test(v)) {
        map.delete(k);
        removed++;
      }
    }
    return removed;
  }

  const users: UserStore = {
    async create(user) {
      if (!accountExists(user.accountId)) throw new Error(`account ${user.accountId} does not exist`);
      if (state.users.has(user.id) || [...state.users.values()].some((u) => u.email === user.email)) {
        throw new UniqueViolation("user");
      }
      state.users.set(user.id, clone(user));
      return clone(user);
    },
    async get(id) {
      return clone(state.users.get(id) ?? null);
    },
    async getByEmail(email) {
      return clone([...state.users.values()].find((u) => u.email === email) ?? null);
    },
    async listByAccount(accountId) {
      return [...state.users.values()]
        .filter((u) => u.accountId === accountId)
        .sort(oldestFirst)
        .map(clone);
    },
    async update(id, patch) {
      const current = state.users.get(id);
      if (!current) return null;
      const next: UserRecord = { ...current };
      for (const [field, value] of Object.entries(patch)) {
        if (value !== undefined) (next as unknown as Record<string, unknown>)[field] = clone(value);
      }
      state.users.set(id, next);
      return clone(next);
    },
    async delete(id) {
      if (!state.users.delete(id)) return false;
      removeWhere(state.passkeys, (p) => p.userId === id);
      removeWhere(state.sessions, (s) => s.userId === id);
      removeWhere(state.links, (l) => l.userId === id);
      return true;
    },
    async addPasskey(passkey) {
      if (!state.users.has(passkey.userId)) throw new Error(`user ${passkey.userId} does not exist`);
      if (state.passkeys.has(passkey.id)) throw new UniqueViolation("passkey");
      state.passkeys.set(passkey.id, clone(passkey));
    },
    async getPasskey(id) {
      return clone(state.passkeys.get(id) ?? null);
    },
    async listPasskeys(userId) {
      return [...state.passkeys.values()]
        .filter((p) => p.userId === userId)
        .sort(oldestFirst)
        .map(clone);
    },
    async recordPasskeyUse(id, counter, at) {
      const current = state.passkeys.get(id);
      if (current) state.passkeys.set(id, { ...current, counter, lastUsedAt: new Date(at) });
    },
    async deletePasskey(userId, id) {
      const current = state.passkeys.get(id);
      if (!current || current.userId !== userId) return false;
      state.passkeys.delete(id);
      return true;
    },
  };

  const sessions: SessionStore = {
    async create(session) {
      if (!state.users.has(session.userId)) throw new Error(`user ${session.userId} does not exist`);
      if (state.sessions.has(session.idHash)) throw new UniqueViolation("session");
      state.sessions.set(session.idHash, clone(session));
    },
    async get(idHash) {
      return clone(state.sessions.get(idHash) ?? null);
    },
    async touch(idHash, lastSeenAt) {
      const current = state.sessions.get(idHash);
      if (current) state.sessions.set(idHash, { ...current, lastSeenAt: new Date(lastSeenAt) });
    },
    async delete(idHash) {
      state.sessions.delete(idHash);
    },
    async deleteForUser(userId) {
      return removeWhere(state.sessions, (s) => s.userId === userId);
    },
    async deleteExpired(now, idleBefore) {
      const t = now.getTime();
      removeWhere(
        state.sessions,
        (s) => s.expiresAt.getTime() <= t || s.lastSeenAt.getTime() < idleBefore.getTime(),
      );
      removeWhere(state.links, (l) => l.expiresAt.getTime() <= t);
      removeWhere(state.challenges, (c) => c.expiresAt.getTime() <= t);
      removeWhere(state.counters, (c) => c.resetAt.getTime() <= t);
    },
    async addLink(link) {
      if (!state.users.has(link.userId)) throw new Error(`user ${link.userId} does not exist`);
      if (state.links.has(link.tokenHash)) throw new UniqueViolation("sign-in link");
      state.links.set(link.tokenHash, clone(link));
    },
    async getLink(tokenHash) {
      return clone(state.links.get(tokenHash) ?? null);
    },
    async consumeLink(tokenHash, now) {
      const link = state.links.get(tokenHash);
      if (!link || link.usedAt || link.expiresAt.getTime() <= now.getTime()) return null;
      const used = { ...link, usedAt: new Date(now) };
      state.links.set(tokenHash, used);
      return clone(used);
    },
    async addChallenge(challenge) {
      if (state.challenges.has(challenge.challenge)) throw new UniqueViolation("challenge");
      state.challenges.set(challenge.challenge, clone(challenge));
    },
    async consumeChallenge(challenge, now) {
      const found = state.challenges.get(challenge);
      if (!found) return null;
      state.challenges.delete(challenge);
      return found.expiresAt.getTime() > now.getTime() ? clone(found) : null;
    },
    async hit(key, windowMs, now) {
      const current = state.counters.get(key);
      if (!current || current.resetAt.getTime() <= now.getTime()) {
        const fresh = { count: 1, resetAt: new Date(now.getTime() + windowMs) };
        state.counters.set(key, fresh);
        return clone(fresh);
      }
      current.count++;
      return clone(current);
    },
  };

  return {
    users,
    sessions,
    snapshot: () => clone(state),
    restore(snapshot) {
      state = clone(snapshot as State);
    },
  };
}
