import type { Hono } from "hono";
import { SignetError } from "../../core/errors.js";
import { isKeyId } from "../../core/ids.js";
import { keyView } from "../../server/schemas.js";
import type { Actor } from "../../server/services/actor.js";
import type { KeyRecord } from "../../store/ports.js";
import { type ConsoleContext, type ConsoleEnv, type ConsoleSession, clientIp } from "../context.js";
import {
  checkCreateExpiry,
  checkEditExpiry,
  checkIps,
  checkName,
  checkPublicKey,
  checkScopes,
  emptyKeyForm,
  type FormBody,
  formFieldFor,
  type KeyFormValues,
  readKeyForm,
  text,
} from "../forms.js";
import { noticeFor, pageContext, wantsJson } from "../render.js";
import { consoleStores } from "../users.js";
import { AuditPage } from "../views/audit.js";
import { type FieldErrors, isoDay } from "../views/components.js";
import {
  KeyDetailPage,
  type KeyEditValues,
  KeyListPage,
  NewKeyPage,
  RevealPage,
  RevealPanel,
  RevokePage,
} from "../views/keys.js";

const PAGE_SIZE = 25;
const GRACE_SECONDS = new Set(["0", "3600", "86400", "604800"]);

function sessionOf(c: ConsoleContext): ConsoleSession {
  const session = c.get("session");
  if (!session) throw new Error("console route reached without a session");
  return session;
}

const actorOf = (c: ConsoleContext): Actor => ({ id: `user:${sessionOf(c).user.id}`, ip: clientIp(c) });

/** `user:<id>` → their email, `cli` → "Operator (CLI)", `key:<id>` → "Key key_…". */
async function actorNames(c: ConsoleContext): Promise<Record<string, string>> {
  const users = await consoleStores(c.get("deps").store).users.listByAccount(sessionOf(c).account.id);
  const names: Record<string, string> = { cli: "Operator (CLI)" };
  for (const user of users) names[`user:${user.id}`] = user.email;
  return new Proxy(names, {
    get: (target, prop: string) =>
      target[prop] ?? (prop.startsWith("key:") ? `Key ${prop.slice(4)}` : undefined),
  });
}

/** Turns a key service validation error into a message on its form field. */
function serviceError(error: unknown, form: "create" | "edit", errors: FieldErrors): boolean {
  if (!(error instanceof SignetError)) return false;
  if (
    error.code === "invalid_request" ||
    error.code === "invalid_public_key" ||
    error.code === "invalid_scope"
  ) {
    const fieldName = formFieldFor(error.details.field, form);
    errors[fieldName] = error.message.replace(/^[a-z_]+: /, "").replace(/^./, (ch) => ch.toUpperCase());
    return true;
  }
  if (error.code === "conflict") {
    errors[/public key/.test(error.message) ? "public_key" : "form"] =
      `${error.message.replace(/^./, (ch) => ch.toUpperCase())}.`;
    return true;
  }
  return false;
}

/** A private key pasted by mistake is never echoed back into the page. */
const looksPrivate = (value: string): boolean => /PRIVATE KEY|"d"\s*:/.test(value);

function editValues(key: KeyRecord): KeyEditValues {
  return {
    name: key.name,
    scopes: key.scopes.join(" "),
    expires_on: key.expiresAt ? isoDay(key.expiresAt) : "",
    allowed_ips: key.allowedIps.join("\n"),
  };
}

async function renderDetail(
  c: ConsoleContext,
  key: KeyRecord,
  extra: { values?: KeyEditValues; errors?: FieldErrors; status?: 200 | 400 } = {},
) {
  const deps = c.get("deps");
  const session = sessionOf(c);
  const events = await deps.keys.listAudit(session.account.id, { limit: 10, keyId: key.id });
  return c.html(
    <KeyDetailPage
      page={pageContext(c)}
      keyRecord={key}
      now={deps.clock.now()}
      events={events.items}
      actors={await actorNames(c)}
      values={extra.values ?? editValues(key)}
      errors={extra.errors}
      notice={extra.errors ? undefined : noticeFor(c)}
    />,
    extra.status ?? 200,
  );
}

export function registerKeyRoutes(app: Hono<ConsoleEnv>): void {
  app.get("/keys", async (c) => {
    const deps = c.get("deps");
    const cursor = c.req.query("cursor");
    const page = await deps.keys.listKeys(sessionOf(c).account.id, {
      limit: PAGE_SIZE,
      cursor: cursor ? cursor.slice(0, 200) : undefined,
    });
    return c.html(
      <KeyListPage
        page={pageContext(c)}
        keys={page.items}
        now={deps.clock.now()}
        nextCursor={page.nextCursor}
        notice={noticeFor(c)}
      />,
    );
  });

  app.get("/keys/new", (c) => c.html(<NewKeyPage page={pageContext(c)} values={emptyKeyForm} />));

  app.post("/keys/new", async (c) => {
    const deps = c.get("deps");
    const session = sessionOf(c);
    const values: KeyFormValues = readKeyForm((await c.req.parseBody()) as FormBody);
    const errors: FieldErrors = {};
    const now = deps.clock.now();
    const name = checkName(values.name, errors);
    const scopes = checkScopes(values.scopes, errors);
    const expiresAt = checkCreateExpiry(values, now, errors);
    const allowedIps = checkIps(values.allowed_ips, errors);
    const publicKey = checkPublicKey(values, errors);

    let created: Awaited<ReturnType<typeof deps.keys.createKey>> | null = null;
    if (Object.keys(errors).length === 0) {
      try {
        created = await deps.keys.createKey(
          session.account.id,
          { name, scopes, expiresAt, allowedIps, reusable: values.reusable, publicKey },
          actorOf(c),
        );
      } catch (error) {
        if (!serviceError(error, "create", errors)) throw error;
      }
    }
    if (!created) {
      if (wantsJson(c)) return c.json({ errors }, 400);
      if (looksPrivate(values.public_key)) {
        values.public_key = "";
        errors.public_key =
          "That is a private key. Paste only the public key; the private key never belongs here.";
      }
      return c.html(<NewKeyPage page={pageContext(c)} values={values} errors={errors} />, 400);
    }

    const { key, credentials } = created;
    if (credentials) {
      // the only response that ever carries this private key; not cached, and the page swaps
      // its URL for the key's own so a reload shows the key without it
      return c.html(<RevealPage page={pageContext(c)} keyRecord={key} credentials={credentials} />);
    }
    if (wantsJson(c)) {
      const html = await (<RevealPanel keyRecord={key} credentials={null} />).toString();
      return c.json(
        { key: keyView(key, now), audience: deps.config.audience, url: `/console/keys/${key.id}`, html },
        201,
      );
    }
    return c.redirect(`/console/keys/${key.id}?done=registered`, 303);
  });

  app.get("/keys/:id", async (c) => {
    const key = await c.get("deps").keys.getKey(sessionOf(c).account.id, c.req.param("id"));
    return renderDetail(c, key);
  });

  app.post("/keys/:id", async (c) => {
    const deps = c.get("deps");
    const session = sessionOf(c);
    const key = await deps.keys.getKey(session.account.id, c.req.param("id"));
    const body = (await c.req.parseBody()) as FormBody;
    const values: KeyEditValues = {
      name: text(body, "name"),
      scopes: text(body, "scopes"),
      expires_on: text(body, "expires_on"),
      allowed_ips: text(body, "allowed_ips"),
    };
    const errors: FieldErrors = {};
    const now = deps.clock.now();
    const name = checkName(values.name, errors);
    const scopes = checkScopes(values.scopes, errors);
    const allowedIps = checkIps(values.allowed_ips, errors);
    // an unchanged date is left alone (an expired key's date is in the past, and stays valid)
    const unchanged = values.expires_on.trim() === (key.expiresAt ? isoDay(key.expiresAt) : "");
    const expiresAt = unchanged ? undefined : checkEditExpiry(values.expires_on, now, errors);
    if (Object.keys(errors).length === 0) {
      try {
        await deps.keys.updateKey(
          session.account.id,
          key.id,
          { name, scopes, allowedIps, expiresAt },
          actorOf(c),
        );
        return c.redirect(`/console/keys/${key.id}?done=updated`, 303);
      } catch (error) {
        if (!serviceError(error, "edit", errors)) throw error;
      }
    }
    return renderDetail(c, key, { values, errors, status: 400 });
  });

  app.post("/keys/:id/status", async (c) => {
    const deps = c.get("deps");
    const disabled = text((await c.req.parseBody()) as FormBody, "disabled") === "true";
    const key = await deps.keys.updateKey(
      sessionOf(c).account.id,
      c.req.param("id"),
      { disabled },
      actorOf(c),
    );
    return c.redirect(`/console/keys/${key.id}?done=${disabled ? "disabled" : "enabled"}`, 303);
  });

  app.post("/keys/:id/rotate", async (c) => {
    const deps = c.get("deps");
    const grace = text((await c.req.parseBody()) as FormBody, "grace");
    const result = await deps.keys.rotateKey(
      sessionOf(c).account.id,
      c.req.param("id"),
      { gracePeriodSeconds: GRACE_SECONDS.has(grace) ? Number(grace) : undefined },
      actorOf(c),
    );
    return c.html(
      <RevealPage
        page={pageContext(c)}
        keyRecord={result.key}
        credentials={result.credentials}
        previous={{ id: result.previous.id, until: result.previous.expiresAt ?? new Date(deps.clock.now()) }}
      />,
    );
  });

  app.get("/keys/:id/revoke", async (c) => {
    const deps = c.get("deps");
    const key = await deps.keys.getKey(sessionOf(c).account.id, c.req.param("id"));
    if (key.revokedAt) return c.redirect(`/console/keys/${key.id}`, 303);
    return c.html(<RevokePage page={pageContext(c)} keyRecord={key} now={deps.clock.now()} />);
  });

  app.post("/keys/:id/revoke", async (c) => {
    const key = await c.get("deps").keys.revokeKey(sessionOf(c).account.id, c.req.param("id"), actorOf(c));
    return c.redirect(`/console/keys/${key.id}?done=revoked`, 303);
  });

  app.get("/audit", async (c) => {
    const deps = c.get("deps");
    const keyParam = c.req.query("key");
    const keyId = isKeyId(keyParam) ? keyParam : undefined;
    const cursor = c.req.query("cursor");
    const page = await deps.keys.listAudit(sessionOf(c).account.id, {
      limit: 50,
      cursor: cursor ? cursor.slice(0, 200) : undefined,
      keyId,
    });
    return c.html(
      <AuditPage
        page={pageContext(c)}
        events={page.items}
        actors={await actorNames(c)}
        nextCursor={page.nextCursor}
        keyId={keyId}
      />,
    );
  });
}
