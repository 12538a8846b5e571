import { UniqueViolation } from "../errors.js";
import type {
  ChallengeRecord,
  PasskeyRecord,
  SessionStore,
  SignInLinkRecord,
  UserRecord,
  UserRole,
  UserStore,
} from "../ports.js";
import type { Passkey, Prisma, PrismaClient, User } from "./generated/client.js";

type Db = PrismaClient | Prisma.TransactionClient;

const isUnique = (error: unknown): boolean => (error as { code?: string }).code === "P2002";

async function unique<T>(what: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isUnique(error)) throw new UniqueViolation(what);
    throw error;
  }
}

const toUser = (row: User): UserRecord => ({ ...row, role: row.role as UserRole });

const toPasskey = (row: Passkey): PasskeyRecord => ({
  id: row.id,
  userId: row.userId,
  publicKey: row.publicKey,
  counter: Number(row.counter),
  transports: JSON.parse(row.transports) as string[],
  name: row.name,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
});

/** Console users and passkeys on Prisma (SQLite, Postgres, D1). */
export function prismaUserStore(db: Db): UserStore {
  return {
    async create(user) {
      return toUser(await unique("user", db.user.create({ data: user })));
    },
    async get(id) {
      const row = await db.user.findUnique({ where: { id } });
      return row ? toUser(row) : null;
    },
    async getByEmail(email) {
      const row = await db.user.findUnique({ where: { email } });
      return row ? toUser(row) : null;
    },
    async listByAccount(accountId) {
      const rows = await db.user.findMany({
        where: { accountId },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      return rows.map(toUser);
    },
    async update(id, patch) {
      const result = await db.user.updateMany({ where: { id }, data: patch });
      if (result.count === 0) return null;
      const row = await db.user.findUnique({ where: { id } });
      return row ? toUser(row) : null;
    },
    async delete(id) {
      // sessions, passkeys and links go with the user (ON DELETE CASCADE)
      const result = await db.user.deleteMany({ where: { id } });
      return result.count > 0;
    },
    async addPasskey(passkey) {
      await unique(
        "passkey",
        db.passkey.create({
          data: {
            ...passkey,
            counter: BigInt(passkey.counter),
            transports: JSON.stringify(passkey.transports),
          },
        }),
      );
    },
    async getPasskey(id) {
      const row = await db.passkey.findUnique({ where: { id } });
      return row ? toPasskey(row) : null;
    },
    async listPasskeys(userId) {
      const rows = await db.passkey.findMany({
        where: { userId },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      return rows.map(toPasskey);
    },
    async recordPasskeyUse(id, counter, at) {
      await db.passkey.updateMany({ where: { id }, data: { counter: BigInt(counter), lastUsedAt: at } });
    },
    async deletePasskey(userId, id) {
      const result = await db.passkey.deleteMany({ where: { id, userId } });
      return result.count > 0;
    },
  };
}

/** Console sessions, sign-in links, WebAuthn challenges and rate-limit counters on Prisma. */
export function prismaSessionStore(db: Db): SessionStore {
  return {
    async create(session) {
      await unique("session", db.consoleSession.create({ data: session }));
    },
    get: (idHash) => db.consoleSession.findUnique({ where: { idHash } }),
    async touch(idHash, lastSeenAt) {
      await db.consoleSession.updateMany({ where: { idHash }, data: { lastSeenAt } });
    },
    async delete(idHash) {
      await db.consoleSession.deleteMany({ where: { idHash } });
    },
    async deleteForUser(userId) {
      return (await db.consoleSession.deleteMany({ where: { userId } })).count;
    },
    async deleteExpired(now, idleBefore) {
      await db.consoleSession.deleteMany({
        where: { OR: [{ expiresAt: { lte: now } }, { lastSeenAt: { lt: idleBefore } }] },
      });
      await db.signInLink.deleteMany({ where: { expiresAt: { lte: now } } });
      await db.webAuthnChallenge.deleteMany({ where: { expiresAt: { lte: now } } });
      await db.rateLimit.deleteMany({ where: { resetAt: { lte: now } } });
    },
    async addLink(link) {
      await unique("sign-in link", db.signInLink.create({ data: link }));
    },
    getLink: (tokenHash): Promise<SignInLinkRecord | null> =>
      db.signInLink.findUnique({ where: { tokenHash } }),
    async consumeLink(tokenHash, now) {
      const claimed = await db.signInLink.updateMany({
        where: { tokenHash, usedAt: null, expiresAt: { gt: now } },
        data: { usedAt: now },
      });
      if (claimed.count !== 1) return null;
      return db.signInLink.findUnique({ where: { tokenHash } });
    },
    async addChallenge(challenge) {
      await unique("challenge", db.webAuthnChallenge.create({ data: challenge }));
    },
    async consumeChallenge(challenge, now) {
      const row = await db.webAuthnChallenge.findUnique({ where: { challenge } });
      if (!row) return null;
      const deleted = await db.webAuthnChallenge.deleteMany({ where: { challenge } });
      if (deleted.count !== 1 || row.expiresAt.getTime() <= now.getTime()) return null;
      return { ...row, purpose: row.purpose as ChallengeRecord["purpose"] };
    },
    async hit(key, windowMs, now) {
      for (let attempt = 0; ; attempt++) {
        const bumped = await db.rateLimit.updateMany({
          where: { key, resetAt: { gt: now } },
          data: { count: { increment: 1 } },
        });
        if (bumped.count === 1) {
          const row = await db.rateLimit.findUnique({ where: { key } });
          if (row) return { count: row.count, resetAt: row.resetAt };
        }
        const resetAt = new Date(now.getTime() + windowMs);
        try {
          await db.rateLimit.upsert({
            where: { key },
            create: { key, count: 1, resetAt },
            update: { count: 1, resetAt },
          });
          return { count: 1, resetAt };
        } catch (error) {
          // two first hits raced to create the row: count again against the winner's
          if (!isUnique(error) || attempt > 0) throw error;
        }
      }
    },
  };
}
