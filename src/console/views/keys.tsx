import type { FC } from "hono/jsx";
import type { CredentialsFile } from "../../core/credentials.js";
import { keyStatus } from "../../server/schemas.js";
import type { AuditEventRecord, KeyRecord } from "../../store/ports.js";
import { EXPIRY_CHOICES, type KeyFormValues } from "../forms.js";
import { AuditTable } from "./audit.js";
import {
  CsrfField,
  ErrorSummary,
  Field,
  type FieldErrors,
  formatDate,
  Notice,
  Scopes,
  ShortFingerprint,
  StatusBadge,
  Time,
  WarningGlyph,
} from "./components.js";
import { Layout, type PageContext } from "./layout.js";

export const KeyListPage: FC<{
  page: PageContext;
  keys: KeyRecord[];
  now: number;
  nextCursor: string | null;
  notice?: string | undefined;
}> = ({ page, keys, now, nextCursor, notice }) => (
  <Layout title="API keys" page={page} nav="keys">
    <div class="page-head">
      <div>
        <h1>API keys</h1>
        <p class="muted">
          Each key is an Ed25519 key pair. Signet keeps only the public half; your servers sign every request
          with the private half.
        </p>
      </div>
      <a class="button primary" href="/console/keys/new">
        Create key
      </a>
    </div>
    <Notice text={notice} />
    {keys.length === 0 ? (
      <div class="card empty">
        <h2>No keys yet</h2>
        <p class="muted">
          Create a key for each service that calls the API, so each can be rotated or revoked alone.
        </p>
        <a class="button primary" href="/console/keys/new">
          Create your first key
        </a>
      </div>
    ) : (
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">API keys in this account, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Scopes</th>
              <th scope="col">Fingerprint</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr>
                <td>
                  <a class="key-name" href={`/console/keys/${key.id}`}>
                    {key.name}
                  </a>
                  <div class="muted small mono">{key.id}</div>
                </td>
                <td>
                  <StatusBadge status={keyStatus(key, now)} />
                </td>
                <td class="scopes">
                  <Scopes scopes={key.scopes} />
                </td>
                <td>
                  <ShortFingerprint value={key.fingerprint} />
                </td>
                <td class="nowrap">
                  <Time date={key.createdAt} compact />
                </td>
                <td class="nowrap">
                  <Time date={key.lastUsedAt} empty="Never used" compact />
                </td>
                <td class="nowrap">
                  <Time
                    date={key.revokedAt ? null : key.expiresAt}
                    empty={key.revokedAt ? "—" : "Never"}
                    compact
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
    {nextCursor ? (
      <div class="pager">
        <a class="button" href={`/console/keys?cursor=${encodeURIComponent(nextCursor)}`}>
          Older keys
        </a>
      </div>
    ) : null}
  </Layout>
);

const FIELD_ORDER = [
  "form",
  "name",
  "scopes",
  "expires",
  "expires_on",
  "allowed_ips",
  "generation",
  "public_key",
];

export const NewKeyPage: FC<{ page: PageContext; values: KeyFormValues; errors?: FieldErrors }> = ({
  page,
  values,
  errors = {},
}) => (
  <Layout title="Create key" page={page} nav="keys" narrow>
    <div class="breadcrumb">
      <a href="/console/keys">API keys</a> / New key
    </div>
    <div class="page-head">
      <div>
        <h1>Create an API key</h1>
        <p class="muted">The private key is shown once, right after you create the key.</p>
      </div>
    </div>
    <ErrorSummary errors={errors} order={FIELD_ORDER} />
    <div id="browser-errors" />
    <form method="post" action="/console/keys/new" id="create-key" class="card" novalidate>
      <CsrfField token={page.csrf} />
      <Field
        name="name"
        label="Name"
        value={values.name}
        error={errors.name}
        hint="What uses this key, so people recognise it later."
        placeholder="billing-service production"
        required
      />
      <Field
        name="scopes"
        label="Scopes"
        value={values.scopes}
        error={errors.scopes}
        hint="What the key may do: resource:action, separated by spaces or commas. orders:* covers every orders action."
        placeholder="orders:read orders:write"
        spellcheck={false}
        required
      />
      <div class="grid-2">
        <div class="field">
          <label for="expires">Expires</label>
          <select
            id="expires"
            name="expires"
            aria-describedby="expires-error"
            aria-invalid={errors.expires ? "true" : undefined}
          >
            {EXPIRY_CHOICES.map((choice) => (
              <option value={choice.value} selected={values.expires === choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
          <p class="field-error" id="expires-error">
            {errors.expires ?? ""}
          </p>
        </div>
        <div data-expiry-date>
          <Field
            name="expires_on"
            label="Expiry date"
            type="date"
            value={values.expires_on}
            error={errors.expires_on}
            hint="Used when Expires is “On a date…”; the key stops at 00:00 UTC."
            optional
          />
        </div>
      </div>
      <Field
        name="allowed_ips"
        label="Allowed IP ranges"
        multiline
        value={values.allowed_ips}
        error={errors.allowed_ips}
        hint="One address or CIDR range per line. Leave empty to allow any address."
        placeholder="203.0.113.0/24"
        optional
        spellcheck={false}
      />
      <fieldset aria-describedby="generation-error">
        <legend>Key pair</legend>
        <div class="choice">
          <input
            type="radio"
            id="generation-server"
            name="generation"
            value="server"
            checked={values.generation === "server"}
            aria-describedby="generation-server-hint"
          />
          <div>
            <label for="generation-server">Signet generates it (recommended)</label>
            <p class="hint" id="generation-server-hint">
              You get the private key once, to copy or download. Signet forgets it immediately.
            </p>
          </div>
        </div>
        <div class="choice unavailable" data-browser-choice>
          <input
            type="radio"
            id="generation-browser"
            name="generation"
            value="browser"
            checked={values.generation === "browser"}
            disabled
            aria-describedby="generation-browser-hint"
          />
          <div>
            <label for="generation-browser">Generate it in my browser</label>
            <p class="hint" id="generation-browser-hint" data-browser-hint>
              This page makes the key pair with Web Crypto and sends only the public key. Needs JavaScript and
              a browser with Ed25519.
            </p>
          </div>
        </div>
        <div class="choice">
          <input
            type="radio"
            id="generation-upload"
            name="generation"
            value="upload"
            checked={values.generation === "upload"}
            aria-describedby="generation-upload-hint"
          />
          <div>
            <label for="generation-upload">I have a public key</label>
            <p class="hint" id="generation-upload-hint">
              Paste an Ed25519 public key you made yourself. The private key never leaves your machine.
            </p>
          </div>
        </div>
        <p class="field-error" id="generation-error">
          {errors.generation ?? ""}
        </p>
      </fieldset>
      <div data-public-key-field>
        <Field
          name="public_key"
          label="Public key"
          multiline
          value={values.generation === "upload" ? values.public_key : ""}
          error={errors.public_key}
          hint={
            'A JWK ({"kty":"OKP","crv":"Ed25519","x":…}) or a PEM “PUBLIC KEY” block. Only for “I have a public key”.'
          }
          spellcheck={false}
          optional
        />
      </div>
      <details class="advanced" open={values.reusable}>
        <summary>Advanced</summary>
        <div class="checkbox">
          <input
            type="checkbox"
            id="reusable"
            name="reusable"
            checked={values.reusable}
            aria-describedby="reusable-hint"
          />
          <div>
            <label for="reusable">Reusable tokens</label>
            <p class="hint" id="reusable-hint">
              For clients that cannot sign each request: tokens without method, URL and nonce, valid up to 5
              minutes. Less safe; leave off unless you need it.
            </p>
          </div>
        </div>
      </details>
      <div class="actions">
        <button type="submit" class="primary large" id="create-key-submit">
          Create key
        </button>
        <a href="/console/keys">Cancel</a>
      </div>
    </form>
  </Layout>
);

/** Serialises the credentials for the download link (a data: URL works with and without JavaScript). */
export function credentialsDataUrl(credentials: CredentialsFile): string {
  return `data:application/json;charset=utf-8,${encodeURIComponent(`${JSON.stringify(credentials, null, 2)}\n`)}`;
}

/**
 * The one-time reveal. With `credentials` null it is the empty frame the browser-generated
 * flow fills in on the page (the private key never reaches the server).
 */
export const RevealPanel: FC<{
  keyRecord: KeyRecord;
  credentials: CredentialsFile | null;
  previous?: { id: string; until: Date } | undefined;
}> = ({ keyRecord, credentials, previous }) => (
  <div data-reveal data-key-id={keyRecord.id}>
    <div class="breadcrumb">
      <a href="/console/keys">API keys</a> / {keyRecord.name}
    </div>
    <div class="page-head">
      <div>
        <h1 id="reveal-heading" tabindex={-1} data-autofocus>
          {previous ? "Key rotated: save the new private key" : "Key created: save your private key"}
        </h1>
        <p class="muted">
          <strong>{keyRecord.name}</strong> · <code>{keyRecord.id}</code>
        </p>
      </div>
    </div>
    <div class="callout-warning" role="note">
      <WarningGlyph />
      <div>
        <strong>This is the only time the private key is shown.</strong>
        <p>
          Signet stores only the public key, so nobody (not even us) can show it again. Copy or download it
          now and keep it in your secret manager. If you lose it, rotate the key.
        </p>
      </div>
    </div>
    {previous ? (
      <div class="notice info" role="status">
        The previous key <code>{previous.id}</code> keeps working until {formatDate(previous.until)}, so you
        can deploy the new one first.
      </div>
    ) : null}
    <div class="card">
      <span class="secret-label" id="credential-label">
        One-line credential, for an environment variable such as SIGNET_CREDENTIALS
      </span>
      <div class="secret-box">
        <code id="credential-line" data-secret="credential">
          {credentials?.credential ?? ""}
        </code>
        <button type="button" data-copy="#credential-line" data-copy-label="credential">
          Copy<span class="visually-hidden"> the credential</span>
        </button>
      </div>
      <div class="reveal-actions">
        <a
          class="button primary large"
          id="download-credentials"
          download={`signet-${keyRecord.id}.json`}
          href={credentials ? credentialsDataUrl(credentials) : "#"}
          data-secret="download"
        >
          Download credentials file (.json)
        </a>
      </div>
      <details class="pem">
        <summary>Show the private key as PEM</summary>
        <div class="secret-box">
          <pre id="private-key-pem" data-secret="pem">
            {credentials?.private_key ?? ""}
          </pre>
          <button type="button" data-copy="#private-key-pem" data-copy-label="private key">
            Copy<span class="visually-hidden"> the private key</span>
          </button>
        </div>
      </details>
      <p class="copied" id="copy-status" role="status" />
      <dl class="meta">
        <dt>Scopes</dt>
        <dd>
          <Scopes scopes={keyRecord.scopes} />
        </dd>
        <dt>Fingerprint</dt>
        <dd>
          <code>{keyRecord.fingerprint}</code>
        </dd>
        <dt>Expires</dt>
        <dd>
          <Time date={keyRecord.expiresAt} />
        </dd>
      </dl>
      <div class="step-done">
        <a class="button" href={`/console/keys/${keyRecord.id}`} id="reveal-done">
          I have saved it: continue to the key
        </a>
      </div>
    </div>
  </div>
);

export const RevealPage: FC<{
  page: PageContext;
  keyRecord: KeyRecord;
  credentials: CredentialsFile;
  previous?: { id: string; until: Date } | undefined;
}> = ({ page, keyRecord, credentials, previous }) => (
  <Layout
    title={previous ? "Key rotated" : "Key created"}
    page={page}
    nav="keys"
    narrow
    mainData={{ "replace-url": `/console/keys/${keyRecord.id}` }}
  >
    <RevealPanel keyRecord={keyRecord} credentials={credentials} previous={previous} />
  </Layout>
);

export interface KeyEditValues {
  name: string;
  scopes: string;
  expires_on: string;
  allowed_ips: string;
}

const GRACE_CHOICES = [
  { value: "0", label: "End the old key now" },
  { value: "3600", label: "1 hour" },
  { value: "86400", label: "24 hours (default)" },
  { value: "604800", label: "7 days" },
];

export const KeyDetailPage: FC<{
  page: PageContext;
  keyRecord: KeyRecord;
  now: number;
  events: AuditEventRecord[];
  actors: Record<string, string>;
  values: KeyEditValues;
  errors?: FieldErrors;
  notice?: string | undefined;
}> = ({ page, keyRecord, now, events, actors, values, errors = {}, notice }) => {
  const status = keyStatus(keyRecord, now);
  const revoked = status === "revoked";
  return (
    <Layout title={keyRecord.name} page={page} nav="keys">
      <div class="breadcrumb">
        <a href="/console/keys">API keys</a> / {keyRecord.name}
      </div>
      <div class="page-head">
        <div>
          <h1>
            {keyRecord.name} <StatusBadge status={status} />
          </h1>
          <p class="muted mono small">{keyRecord.id}</p>
        </div>
      </div>
      <Notice text={notice} />
      <ErrorSummary errors={errors} order={["form", "name", "scopes", "expires_on", "allowed_ips"]} />
      <div class="columns">
        <div>
          <section class="card" aria-labelledby="details-heading">
            <h2 id="details-heading">Details</h2>
            <dl class="meta">
              <dt>Status</dt>
              <dd>
                <StatusBadge status={status} />
              </dd>
              <dt>Scopes</dt>
              <dd>
                <Scopes scopes={keyRecord.scopes} />
              </dd>
              <dt>Fingerprint</dt>
              <dd>
                <code>{keyRecord.fingerprint}</code>
              </dd>
              <dt>Public key (x)</dt>
              <dd>
                <code>{keyRecord.x}</code>
              </dd>
              <dt>Created</dt>
              <dd>
                <Time date={keyRecord.createdAt} />{" "}
                <span class="muted">by {actors[keyRecord.createdBy] ?? keyRecord.createdBy}</span>
              </dd>
              <dt>Last used</dt>
              <dd>
                <Time date={keyRecord.lastUsedAt} empty="Never used" />
              </dd>
              <dt>Expires</dt>
              <dd>
                <Time date={keyRecord.expiresAt} />
              </dd>
              {keyRecord.revokedAt ? (
                <>
                  <dt>Revoked</dt>
                  <dd>
                    <Time date={keyRecord.revokedAt} />
                  </dd>
                </>
              ) : null}
              <dt>Allowed IPs</dt>
              <dd>
                {keyRecord.allowedIps.length ? (
                  keyRecord.allowedIps.join(", ")
                ) : (
                  <span class="muted">Any</span>
                )}
              </dd>
              <dt>Token type</dt>
              <dd>{keyRecord.reusable ? "Reusable (up to 5 minutes)" : "One per request"}</dd>
              {keyRecord.rotatedFrom ? (
                <>
                  <dt>Replaces</dt>
                  <dd>
                    <a href={`/console/keys/${keyRecord.rotatedFrom}`} class="mono">
                      {keyRecord.rotatedFrom}
                    </a>
                  </dd>
                </>
              ) : null}
            </dl>
          </section>
          {revoked ? null : (
            <form
              class="card"
              method="post"
              action={`/console/keys/${keyRecord.id}/rotate`}
              aria-labelledby="rotate-heading"
            >
              <h2 id="rotate-heading">Rotate</h2>
              <p class="muted">
                Makes a new key pair with the same settings and shows its private key once. The old key keeps
                working for the grace period, then expires.
              </p>
              <CsrfField token={page.csrf} />
              <div class="field">
                <label for="grace">Grace period for the old key</label>
                <select id="grace" name="grace">
                  {GRACE_CHOICES.map((choice) => (
                    <option value={choice.value} selected={choice.value === "86400"}>
                      {choice.label}
                    </option>
                  ))}
                </select>
              </div>
              <button type="submit" id="rotate-key">
                Rotate key
              </button>
            </form>
          )}
        </div>
        <div>
          {revoked ? (
            <section class="card" aria-labelledby="settings-heading">
              <h2 id="settings-heading">Settings</h2>
              <p class="muted">A revoked key cannot be changed, rotated or used again.</p>
            </section>
          ) : (
            <form
              class="card"
              method="post"
              action={`/console/keys/${keyRecord.id}`}
              aria-labelledby="settings-heading"
              novalidate
            >
              <h2 id="settings-heading">Settings</h2>
              <CsrfField token={page.csrf} />
              <Field name="name" label="Name" value={values.name} error={errors.name} required />
              <Field
                name="scopes"
                label="Scopes"
                value={values.scopes}
                error={errors.scopes}
                hint="resource:action, separated by spaces or commas."
                spellcheck={false}
                required
              />
              <Field
                name="expires_on"
                label="Expiry date"
                type="date"
                value={values.expires_on}
                error={errors.expires_on}
                hint="The key stops at 00:00 UTC on this day. Leave empty for no expiry."
                optional
              />
              <Field
                name="allowed_ips"
                label="Allowed IP ranges"
                multiline
                value={values.allowed_ips}
                error={errors.allowed_ips}
                hint="One address or CIDR range per line; empty allows any address."
                spellcheck={false}
                optional
              />
              <div class="actions">
                <button type="submit" class="primary">
                  Save changes
                </button>
              </div>
            </form>
          )}
          {revoked ? null : (
            <section class="card" aria-labelledby="danger-heading">
              <h2 id="danger-heading">Disable or revoke</h2>
              <p class="muted">
                Disabling stops the key until you enable it again. Revoking is immediate and final: every
                request signed with it fails from then on.
              </p>
              <div class="actions">
                <form method="post" action={`/console/keys/${keyRecord.id}/status`}>
                  <CsrfField token={page.csrf} />
                  <input type="hidden" name="disabled" value={keyRecord.disabled ? "false" : "true"} />
                  <button type="submit">{keyRecord.disabled ? "Enable key" : "Disable key"}</button>
                </form>
                <a
                  class="button danger-outline"
                  href={`/console/keys/${keyRecord.id}/revoke`}
                  id="revoke-key"
                >
                  Revoke key…
                </a>
              </div>
            </section>
          )}
        </div>
      </div>
      <section aria-labelledby="activity-heading">
        <div class="card-head">
          <h2 id="activity-heading">Activity</h2>
          <a class="small" href={`/console/audit?key=${keyRecord.id}`}>
            All events for this key
          </a>
        </div>
        <AuditTable events={events} actors={actors} caption="Recent changes to this key" showKey={false} />
      </section>
    </Layout>
  );
};

export const RevokePage: FC<{ page: PageContext; keyRecord: KeyRecord; now: number }> = ({
  page,
  keyRecord,
  now,
}) => (
  <Layout title={`Revoke ${keyRecord.name}`} page={page} nav="keys" narrow>
    <div class="breadcrumb">
      <a href="/console/keys">API keys</a> / <a href={`/console/keys/${keyRecord.id}`}>{keyRecord.name}</a> /
      Revoke
    </div>
    <h1 id="revoke-heading" tabindex={-1} data-autofocus>
      Revoke {keyRecord.name}?
    </h1>
    <div class="card">
      <div class="callout-danger">
        <strong>This is immediate and cannot be undone.</strong> Every request signed with this key fails from
        the next one on. Services still using it stop working.
      </div>
      <dl class="meta">
        <dt>Key</dt>
        <dd>
          <code>{keyRecord.id}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={keyStatus(keyRecord, now)} />
        </dd>
        <dt>Scopes</dt>
        <dd>
          <Scopes scopes={keyRecord.scopes} />
        </dd>
        <dt>Last used</dt>
        <dd>
          <Time date={keyRecord.lastUsedAt} empty="Never used" />
        </dd>
      </dl>
      <form method="post" action={`/console/keys/${keyRecord.id}/revoke`} class="actions">
        <CsrfField token={page.csrf} />
        <button type="submit" class="danger" id="confirm-revoke">
          Yes, revoke this key
        </button>
        <a class="button" href={`/console/keys/${keyRecord.id}`}>
          Cancel
        </a>
      </form>
    </div>
  </Layout>
);
