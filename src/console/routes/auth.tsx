import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { Hono } from "hono";
import type { Actor } from "../../server/services/actor.js";
import type { UserRecord } from "../../store/ports.js";
import { type ConsoleContext, type ConsoleEnv, type ConsoleSettings, clientIp } from "../context.js";
import { type FormBody, safeNext, text } from "../forms.js";
import { noticeFor, pageContext } from "../render.js";
import { endSession, startSession } from "../sessions.js";
import { isToken, randomToken, sha256 } from "../tokens.js";
import { consoleStores, normalizeEmail } from "../users.js";
import { LinkInvalidPage, LinkPage, SignInPage } from "../views/auth.js";
import type { FieldErrors } from "../views/components.js";
import {
  authenticationOptions,
  isCredentialJson,
  PasskeyError,
  relyingParty,
  verifyAuthentication,
} from "../webauthn.js";

const actorFor = (c: ConsoleContext, user: UserRecord): Actor => ({ id: `user:${user.id}`, ip: clientIp(c) });

/**
 * Counts a sign-in attempt against the client IP and (for passwords) the address tried.
 * Returns the minutes to wait when over the limit, else null.
 */
async function overLimit(
  c: ConsoleContext,
  settings: ConsoleSettings,
  email: string | null,
): Promise<number | null> {
  const { sessions } = consoleStores(c.get("deps").store);
  const now = new Date(c.get("deps").clock.now());
  const { perIp, perEmail, windowMs } = settings.signInLimits;
  const hits = [sessions.hit(`signin:ip:${clientIp(c) ?? "unknown"}`, windowMs, now)];
  if (email !== null) hits.push(sessions.hit(`signin:email:${await sha256(email)}`, windowMs, now));
  const [byIp, byEmail] = await Promise.all(hits);
  const blocked = [
    byIp && byIp.count > perIp ? byIp : null,
    byEmail && byEmail.count > perEmail ? byEmail : null,
  ]
    .filter((hit) => hit !== null)
    .map((hit) => hit.resetAt.getTime());
  if (blocked.length === 0) return null;
  const waitMs = Math.max(...blocked) - now.getTime();
  c.header("retry-after", String(Math.max(1, Math.ceil(waitMs / 1000))));
  return Math.max(1, Math.ceil(waitMs / 60_000));
}

/** Spent on unknown addresses too, so a miss takes as long as a wrong password. */
let dummyHash: Promise<string> | null = null;

export function registerAuthRoutes(app: Hono<ConsoleEnv>, settings: ConsoleSettings): void {
  app.get("/sign-in", (c) => {
    const next = safeNext(c.req.query("next"));
    if (c.get("session")) return c.redirect(next ?? "/console/keys", 303);
    return c.html(<SignInPage page={pageContext(c)} notice={noticeFor(c)} next={next} />);
  });

  app.post("/sign-in", async (c) => {
    const body = (await c.req.parseBody()) as FormBody;
    const emailInput = text(body, "email");
    const password = text(body, "password");
    const next = safeNext(text(body, "next"));
    const errors: FieldErrors = {};
    let email = "";
    try {
      email = normalizeEmail(emailInput);
    } catch {
      errors.email = emailInput.trim() ? "Enter a valid email address." : "Enter your email address.";
    }
    if (!password) errors.password = "Enter your password.";
    const render = (status: 400 | 401 | 429) =>
      c.html(<SignInPage page={pageContext(c)} email={emailInput} errors={errors} next={next} />, status);
    if (Object.keys(errors).length) return render(400);

    const wait = await overLimit(c, settings, email);
    if (wait !== null) {
      errors.form = `Too many sign-in attempts. Wait ${wait} minute${wait === 1 ? "" : "s"} and try again.`;
      return render(429);
    }
    const { console: runtime, deps } = { console: c.get("console"), deps: c.get("deps") };
    const user = await consoleStores(deps.store).users.getByEmail(email);
    let ok = false;
    if (user?.passwordHash) {
      ok = await runtime.hasher.verify(user.passwordHash, password);
    } else {
      dummyHash ??= runtime.hasher.hash(randomToken());
      await runtime.hasher.verify(await dummyHash, password);
    }
    if (!user || !ok) {
      deps.logger.warn("console sign-in failed", { request_id: c.get("requestId"), method: "password" });
      errors.password = "That email and password do not match an account.";
      return render(401);
    }
    await startSession(c, deps, settings, user);
    await runtime.users.audit(user.accountId, actorFor(c, user), "user.signed_in", { method: "password" });
    return c.redirect(next ?? "/console/keys", 303);
  });

  app.post("/sign-out", async (c) => {
    await endSession(c, c.get("deps"));
    return c.redirect("/console/sign-in?done=signed-out", 303);
  });

  // one-time links: the GET only shows who it is for (mail scanners may fetch it); the POST uses it
  app.get("/link", async (c) => {
    const token = c.req.query("token");
    const deps = c.get("deps");
    const { sessions, users } = consoleStores(deps.store);
    const link = isToken(token) ? await sessions.getLink(await sha256(token)) : null;
    const usable = link && !link.usedAt && link.expiresAt.getTime() > deps.clock.now();
    const user = usable ? await users.get(link.userId) : null;
    const account = user ? await deps.store.accounts.get(user.accountId) : null;
    if (!link || !user || !account || !isToken(token)) {
      return c.html(<LinkInvalidPage page={pageContext(c)} />, 410);
    }
    return c.html(
      <LinkPage
        page={pageContext(c)}
        token={token}
        email={user.email}
        accountName={account.name}
        expiresAt={link.expiresAt}
      />,
    );
  });

  app.post("/link", async (c) => {
    const token = text((await c.req.parseBody()) as FormBody, "token");
    const deps = c.get("deps");
    const { sessions, users } = consoleStores(deps.store);
    const link = isToken(token)
      ? await sessions.consumeLink(await sha256(token), new Date(deps.clock.now()))
      : null;
    const user = link ? await users.get(link.userId) : null;
    if (!user) return c.html(<LinkInvalidPage page={pageContext(c)} />, 410);
    await startSession(c, deps, settings, user);
    await c
      .get("console")
      .users.audit(user.accountId, actorFor(c, user), "user.signed_in", { method: "link" });
    return c.redirect("/console/settings?welcome=1", 303);
  });

  app.post("/passkey/options", async (c) => {
    const deps = c.get("deps");
    const wait = await overLimit(c, settings, null);
    if (wait !== null) return c.json({ error: `Too many sign-in attempts. Wait ${wait} minutes.` }, 429);
    const options = await authenticationOptions({
      rp: relyingParty(deps.config.publicUrl, settings.rpName),
      sessions: consoleStores(deps.store).sessions,
      clock: deps.clock,
      ttlMs: settings.challengeTtlMs,
    });
    return c.json(options);
  });

  app.post("/passkey/verify", async (c) => {
    const deps = c.get("deps");
    const body = (await c.req.json().catch(() => null)) as { response?: unknown; next?: unknown } | null;
    if (!body || !isCredentialJson(body.response, "authentication")) {
      return c.json({ error: "The browser sent an unreadable passkey response." }, 400);
    }
    const response = body.response as AuthenticationResponseJSON;
    const { sessions, users } = consoleStores(deps.store);
    const passkey = await users.getPasskey(response.id);
    const user = passkey ? await users.get(passkey.userId) : null;
    if (!passkey || !user) {
      deps.logger.warn("console sign-in failed", { request_id: c.get("requestId"), method: "passkey" });
      return c.json(
        { error: "This passkey is not registered with Signet. Sign in with your password." },
        401,
      );
    }
    let counter: number;
    try {
      counter = await verifyAuthentication({
        rp: relyingParty(deps.config.publicUrl, settings.rpName),
        passkey,
        response,
        sessions,
        clock: deps.clock,
      });
    } catch (error) {
      if (!(error instanceof PasskeyError)) throw error;
      deps.logger.warn("console sign-in failed", {
        request_id: c.get("requestId"),
        method: "passkey",
        reason: error.message,
      });
      return c.json({ error: "That passkey could not be verified. Try again." }, 401);
    }
    await users.recordPasskeyUse(passkey.id, counter, new Date(deps.clock.now()));
    await startSession(c, deps, settings, user);
    await c
      .get("console")
      .users.audit(user.accountId, actorFor(c, user), "user.signed_in", { method: "passkey" });
    const next = typeof body.next === "string" ? safeNext(body.next) : undefined;
    return c.json({ redirect: next ?? "/console/keys" });
  });
}
