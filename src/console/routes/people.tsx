import type { RegistrationResponseJSON } from "@simplewebauthn/server";
import type { Hono } from "hono";
import { SignetError } from "../../core/errors.js";
import type { Actor } from "../../server/services/actor.js";
import { UniqueViolation } from "../../store/errors.js";
import {
  type ConsoleContext,
  type ConsoleEnv,
  type ConsoleSession,
  type ConsoleSettings,
  clientIp,
} from "../context.js";
import { type FormBody, text } from "../forms.js";
import { duration, noticeFor, pageContext } from "../render.js";
import { startSession } from "../sessions.js";
import { sha256 } from "../tokens.js";
import { consoleStores } from "../users.js";
import type { FieldErrors } from "../views/components.js";
import { SettingsPage, TeamPage } from "../views/people.js";
import {
  isCredentialJson,
  PasskeyError,
  registrationOptions,
  relyingParty,
  verifyRegistration,
} from "../webauthn.js";

function sessionOf(c: ConsoleContext): ConsoleSession {
  const session = c.get("session");
  if (!session) throw new Error("console route reached without a session");
  return session;
}

const actorOf = (c: ConsoleContext): Actor => ({ id: `user:${sessionOf(c).user.id}`, ip: clientIp(c) });

async function renderTeam(
  c: ConsoleContext,
  extra: Omit<Parameters<typeof TeamPage>[0], "page" | "users" | "me"> & { status?: 200 | 400 | 403 } = {},
) {
  const session = sessionOf(c);
  const users = await c.get("console").users.listUsers(session.account.id);
  const { status, ...rest } = extra;
  return c.html(
    <TeamPage page={pageContext(c)} users={users} me={session.user} notice={noticeFor(c)} {...rest} />,
    status ?? 200,
  );
}

async function renderSettings(
  c: ConsoleContext,
  settings: ConsoleSettings,
  extra: { errors?: FieldErrors; status?: 200 | 400 | 401 | 429 } = {},
) {
  const session = sessionOf(c);
  const passkeys = await consoleStores(c.get("deps").store).users.listPasskeys(session.user.id);
  return c.html(
    <SettingsPage
      page={pageContext(c)}
      me={session.user}
      passkeys={passkeys}
      errors={extra.errors}
      notice={extra.errors ? undefined : noticeFor(c)}
      welcome={c.req.query("welcome") === "1"}
      timeouts={{ idle: duration(settings.idleTimeoutMs), absolute: duration(settings.absoluteTimeoutMs) }}
    />,
    extra.status ?? 200,
  );
}

export function registerPeopleRoutes(app: Hono<ConsoleEnv>, settings: ConsoleSettings): void {
  app.get("/team", (c) => renderTeam(c));

  app.post("/team/invite", async (c) => {
    const session = sessionOf(c);
    const body = (await c.req.parseBody()) as FormBody;
    const values = { email: text(body, "email"), role: text(body, "role") };
    if (session.user.role !== "owner") {
      return renderTeam(c, { values, errors: { form: "Only owners can invite people." }, status: 403 });
    }
    const errors: FieldErrors = {};
    if (values.role !== "owner" && values.role !== "member") errors.role = "Choose a role.";
    if (!errors.role) {
      try {
        const { user, link } = await c
          .get("console")
          .users.createUser(
            session.account.id,
            { email: values.email, role: values.role as "owner" | "member" },
            actorOf(c),
          );
        c.header("cache-control", "no-store");
        return renderTeam(c, { invited: { email: user.email, url: link.url, expiresAt: link.expiresAt } });
      } catch (error) {
        if (!(error instanceof SignetError)) throw error;
        const field = error.details.field === "role" ? "role" : "email";
        errors[field] =
          error.code === "conflict"
            ? "Someone with this email already has a Signet sign-in."
            : `${error.message.replace(/^[a-z_]+: /, "").replace(/^./, (ch) => ch.toUpperCase())}.`;
      }
    }
    return renderTeam(c, { values, errors, status: 400 });
  });

  app.post("/team/:userId/remove", async (c) => {
    const session = sessionOf(c);
    if (session.user.role !== "owner") {
      return renderTeam(c, { errors: { form: "Only owners can remove people." }, status: 403 });
    }
    try {
      await c.get("console").users.removeUser(session.user, c.req.param("userId"), actorOf(c));
    } catch (error) {
      if (error instanceof SignetError && error.code === "conflict") {
        return renderTeam(c, { errors: { form: "You cannot remove yourself." }, status: 400 });
      }
      throw error;
    }
    return c.redirect("/console/team?done=user-removed", 303);
  });

  app.get("/settings", (c) => renderSettings(c, settings));

  app.post("/settings/password", async (c) => {
    const deps = c.get("deps");
    const runtime = c.get("console");
    const session = sessionOf(c);
    const body = (await c.req.parseBody()) as FormBody;
    const current = text(body, "current_password");
    const next = text(body, "new_password");
    const errors: FieldErrors = {};
    if (session.user.passwordHash) {
      if (!current) {
        errors.current_password = "Enter your current password.";
      } else {
        // a password check is a guess like a sign-in: it counts against the same limit
        const { perEmail, windowMs } = settings.signInLimits;
        const hit = await consoleStores(deps.store).sessions.hit(
          `signin:email:${await sha256(session.user.email)}`,
          windowMs,
          new Date(deps.clock.now()),
        );
        if (hit.count > perEmail) {
          return renderSettings(c, settings, {
            errors: { form: "Too many password attempts. Wait a few minutes and try again." },
            status: 429,
          });
        }
        if (!(await runtime.hasher.verify(session.user.passwordHash, current))) {
          errors.current_password = "That is not your current password.";
        }
      }
    }
    if (!next) errors.new_password = "Enter a new password.";
    if (Object.keys(errors).length) return renderSettings(c, settings, { errors, status: 400 });
    try {
      await runtime.users.setPassword(session.user, next, actorOf(c));
    } catch (error) {
      if (!(error instanceof SignetError) || error.code !== "invalid_request") throw error;
      const message = error.message.replace(/^[a-z_]+: /, "");
      return renderSettings(c, settings, {
        errors: {
          new_password: `The new password must ${message.startsWith("must") ? message.slice(5) : message}.`,
        },
        status: 400,
      });
    }
    // a new password ends every session, this one included; a fresh one replaces it
    await consoleStores(deps.store).sessions.deleteForUser(session.user.id);
    await startSession(c, deps, settings, session.user);
    return c.redirect("/console/settings?done=password", 303);
  });

  app.post("/settings/sign-out-everywhere", async (c) => {
    const deps = c.get("deps");
    const session = sessionOf(c);
    await consoleStores(deps.store).sessions.deleteForUser(session.user.id);
    await startSession(c, deps, settings, session.user);
    await c.get("console").users.audit(session.account.id, actorOf(c), "user.signed_out_everywhere", {
      user_id: session.user.id,
    });
    return c.redirect("/console/settings?done=others-signed-out", 303);
  });

  app.post("/settings/passkeys/options", async (c) => {
    const deps = c.get("deps");
    const session = sessionOf(c);
    const { users, sessions } = consoleStores(deps.store);
    const options = await registrationOptions({
      rp: relyingParty(deps.config.publicUrl, settings.rpName),
      user: session.user,
      existing: await users.listPasskeys(session.user.id),
      sessions,
      clock: deps.clock,
      ttlMs: settings.challengeTtlMs,
    });
    return c.json(options);
  });

  app.post("/settings/passkeys", async (c) => {
    const deps = c.get("deps");
    const session = sessionOf(c);
    const body = (await c.req.json().catch(() => null)) as { name?: unknown; response?: unknown } | null;
    if (!body || !isCredentialJson(body.response, "registration")) {
      return c.json({ error: "The browser sent an unreadable passkey response." }, 400);
    }
    const rawName = typeof body.name === "string" ? body.name.trim() : "";
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are removed from names
    const name = rawName.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 60) || "Passkey";
    const { sessions } = consoleStores(deps.store);
    let credential: Awaited<ReturnType<typeof verifyRegistration>>;
    try {
      credential = await verifyRegistration({
        rp: relyingParty(deps.config.publicUrl, settings.rpName),
        user: session.user,
        response: body.response as RegistrationResponseJSON,
        sessions,
        clock: deps.clock,
      });
    } catch (error) {
      if (!(error instanceof PasskeyError)) throw error;
      deps.logger.warn("passkey registration failed", {
        request_id: c.get("requestId"),
        reason: error.message,
      });
      return c.json({ error: "The passkey could not be verified. Try again." }, 400);
    }
    const now = new Date(deps.clock.now());
    try {
      await deps.store.transaction(async (tx) => {
        await consoleStores(tx).users.addPasskey({
          ...credential,
          userId: session.user.id,
          name,
          createdAt: now,
          lastUsedAt: null,
        });
        await c.get("console").users.audit(session.account.id, actorOf(c), "passkey.added", { name }, tx);
      });
    } catch (error) {
      if (error instanceof UniqueViolation)
        return c.json({ error: "This passkey is registered already." }, 409);
      throw error;
    }
    return c.json({ redirect: "/console/settings?done=passkey-added" });
  });

  app.post("/settings/passkeys/:id/remove", async (c) => {
    const deps = c.get("deps");
    const session = sessionOf(c);
    const { users } = consoleStores(deps.store);
    const passkeys = await users.listPasskeys(session.user.id);
    const target = passkeys.find((p) => p.id === c.req.param("id"));
    if (!target) return c.redirect("/console/settings", 303);
    if (passkeys.length === 1 && !session.user.passwordHash) {
      return renderSettings(c, settings, {
        errors: { form: "This is your only way to sign in. Set a password or add another passkey first." },
        status: 400,
      });
    }
    await users.deletePasskey(session.user.id, target.id);
    await c
      .get("console")
      .users.audit(session.account.id, actorOf(c), "passkey.removed", { name: target.name });
    return c.redirect("/console/settings?done=passkey-removed", 303);
  });
}
