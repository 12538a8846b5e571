import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppDeps } from "../server/env.js";
import type { UserRecord } from "../store/ports.js";
import type { ConsoleSession, ConsoleSettings } from "./context.js";
import { csrfForSession, isToken, randomToken, safeEqual, sha256 } from "./tokens.js";
import { consoleStores } from "./users.js";

/** `__Host-signet_session`: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain. */
export const SESSION_COOKIE = "signet_session";
/** `__Host-signet_csrf`: the double-submit token for forms shown before sign-in. */
export const PRE_SESSION_COOKIE = "signet_csrf";
/** How often a session's last-seen time is written (not on every request). */
const TOUCH_EVERY_MS = 60_000;

const cookieOptions = { prefix: "host", httpOnly: true, secure: true, sameSite: "Lax", path: "/" } as const;

function userAgentOf(c: Context): string | null {
  const agent = c.req.header("user-agent");
  return agent ? agent.slice(0, 200) : null;
}

/** The valid session behind the request's cookie, or null (and an ended one is deleted). */
export async function loadSession(
  c: Context,
  deps: AppDeps,
  settings: ConsoleSettings,
): Promise<ConsoleSession | null> {
  const id = getCookie(c, SESSION_COOKIE, "host");
  if (!isToken(id)) return null;
  const { sessions, users } = consoleStores(deps.store);
  const idHash = await sha256(id);
  const record = await sessions.get(idHash);
  if (!record) return null;
  const now = deps.clock.now();
  const idle = now - record.lastSeenAt.getTime() > settings.idleTimeoutMs;
  if (idle || record.expiresAt.getTime() <= now) {
    await sessions.delete(idHash);
    return null;
  }
  const user = await users.get(record.userId);
  const account = user ? await deps.store.accounts.get(user.accountId) : null;
  if (!user || !account) {
    await sessions.delete(idHash);
    return null;
  }
  if (now - record.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
    record.lastSeenAt = new Date(now);
    await sessions.touch(idHash, record.lastSeenAt);
  }
  return { id, record, user, account, csrf: await csrfForSession(id) };
}

/**
 * Signs the user in: a new 256-bit session id (the old session, if any, ends: ids rotate at
 * every sign-in), only its SHA-256 stored, the id in a __Host- cookie.
 */
export async function startSession(
  c: Context,
  deps: AppDeps,
  settings: ConsoleSettings,
  user: UserRecord,
): Promise<ConsoleSession> {
  const { sessions, users } = consoleStores(deps.store);
  const previous = getCookie(c, SESSION_COOKIE, "host");
  if (isToken(previous)) await sessions.delete(await sha256(previous));
  const now = deps.clock.now();
  // sweep what has ended meanwhile (cheap, and sign-ins are rare)
  await sessions.deleteExpired(new Date(now), new Date(now - settings.idleTimeoutMs));
  const id = randomToken();
  const record = {
    idHash: await sha256(id),
    userId: user.id,
    createdAt: new Date(now),
    lastSeenAt: new Date(now),
    expiresAt: new Date(now + settings.absoluteTimeoutMs),
    ip: deps.clientIp(c.req.raw, c.env) ?? null,
    userAgent: userAgentOf(c),
  };
  await sessions.create(record);
  const signedIn =
    (await users.update(user.id, { lastSignInAt: new Date(now), updatedAt: new Date(now) })) ?? user;
  setCookie(c, SESSION_COOKIE, id, cookieOptions);
  const account = await deps.store.accounts.get(user.accountId);
  if (!account) throw new Error(`user ${user.id} has no account`);
  return { id, record, user: signedIn, account, csrf: await csrfForSession(id) };
}

/** Signs out: the session row goes and the cookie is cleared. */
export async function endSession(c: Context, deps: AppDeps): Promise<void> {
  const id = getCookie(c, SESSION_COOKIE, "host");
  if (isToken(id)) await consoleStores(deps.store).sessions.delete(await sha256(id));
  deleteCookie(c, SESSION_COOKIE, cookieOptions);
}

/**
 * The CSRF token a form on this response must carry: the session's (derived from its id) when
 * signed in, else the pre-session double-submit cookie (set here when missing).
 */
export function csrfToken(c: Context, session: ConsoleSession | null | undefined): string {
  if (session) return session.csrf;
  const existing = getCookie(c, PRE_SESSION_COOKIE, "host");
  if (isToken(existing)) return existing;
  const token = randomToken();
  setCookie(c, PRE_SESSION_COOKIE, token, cookieOptions);
  return token;
}

/** Does the submitted token match what this request's session (or pre-session cookie) expects? */
export function csrfMatches(
  c: Context,
  session: ConsoleSession | null | undefined,
  submitted: unknown,
): boolean {
  if (typeof submitted !== "string" || submitted.length === 0) return false;
  const expected = session ? session.csrf : getCookie(c, PRE_SESSION_COOKIE, "host");
  return isToken(expected) && safeEqual(submitted, expected);
}
