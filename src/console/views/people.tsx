import type { FC } from "hono/jsx";
import type { PasskeyRecord, UserRecord } from "../../store/ports.js";
import { CsrfField, ErrorSummary, Field, type FieldErrors, formatDate, Notice, Time } from "./components.js";
import { Layout, type PageContext } from "./layout.js";

export const TeamPage: FC<{
  page: PageContext;
  users: UserRecord[];
  me: UserRecord;
  values?: { email: string; role: string };
  errors?: FieldErrors;
  notice?: string | undefined;
  invited?: { email: string; url: string; expiresAt: Date } | undefined;
}> = ({ page, users, me, values = { email: "", role: "member" }, errors = {}, notice, invited }) => {
  const owner = me.role === "owner";
  return (
    <Layout
      title="Team"
      page={page}
      nav="team"
      mainData={invited ? { "replace-url": "/console/team" } : undefined}
    >
      <div class="page-head">
        <div>
          <h1>Team</h1>
          <p class="muted">
            People who can sign in to this account. Owners also invite and remove people; everyone manages
            keys.
          </p>
        </div>
      </div>
      <Notice text={notice} />
      {invited ? (
        <section class="card" aria-labelledby="invite-heading">
          <h2 id="invite-heading" tabindex={-1} data-autofocus>
            Send this sign-in link to {invited.email}
          </h2>
          <p class="muted">
            It works once and expires at {formatDate(invited.expiresAt)}. Anyone with the link can sign in as{" "}
            {invited.email}, so send it privately.
          </p>
          <div class="secret-box">
            <code id="invite-link">{invited.url}</code>
            <button type="button" data-copy="#invite-link" data-copy-label="link">
              Copy<span class="visually-hidden"> the link</span>
            </button>
          </div>
          <p class="copied" id="copy-status" role="status" />
        </section>
      ) : null}
      <ErrorSummary errors={errors} order={["form", "email", "role"]} />
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">People in this account</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Added</th>
              <th scope="col">Last sign-in</th>
              {owner ? (
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr>
                <td>
                  {user.email}
                  {user.id === me.id ? <span class="muted"> (you)</span> : null}
                </td>
                <td>
                  <span class="badge role">{user.role === "owner" ? "Owner" : "Member"}</span>
                </td>
                <td class="nowrap">
                  <Time date={user.createdAt} />
                </td>
                <td class="nowrap">
                  <Time date={user.lastSignInAt} empty="Not yet" />
                </td>
                {owner ? (
                  <td>
                    {user.id === me.id ? null : (
                      <details>
                        <summary class="link-button">Remove…</summary>
                        <form method="post" action={`/console/team/${user.id}/remove`}>
                          <CsrfField token={page.csrf} />
                          <p class="small">They are signed out and can no longer sign in.</p>
                          <button type="submit" class="danger-outline">
                            Remove {user.email}
                          </button>
                        </form>
                      </details>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {owner ? (
        <form
          method="post"
          action="/console/team/invite"
          class="card narrow"
          novalidate
          aria-labelledby="add-heading"
        >
          <h2 id="add-heading">Invite someone</h2>
          <p class="muted">You get a one-time sign-in link to send them.</p>
          <CsrfField token={page.csrf} />
          <Field
            name="email"
            label="Email"
            type="email"
            value={values.email}
            error={errors.email}
            autocomplete="off"
            spellcheck={false}
            required
          />
          <div class="field">
            <label for="role">Role</label>
            <select
              id="role"
              name="role"
              aria-describedby="role-error"
              aria-invalid={errors.role ? "true" : undefined}
            >
              <option value="member" selected={values.role !== "owner"}>
                Member: manages keys
              </option>
              <option value="owner" selected={values.role === "owner"}>
                Owner: manages keys and people
              </option>
            </select>
            <p class="field-error" id="role-error">
              {errors.role ?? ""}
            </p>
          </div>
          <button type="submit" class="primary">
            Create sign-in link
          </button>
        </form>
      ) : null}
    </Layout>
  );
};

export const SettingsPage: FC<{
  page: PageContext;
  me: UserRecord;
  passkeys: PasskeyRecord[];
  errors?: FieldErrors;
  notice?: string | undefined;
  welcome?: boolean;
  timeouts: { idle: string; absolute: string };
}> = ({ page, me, passkeys, errors = {}, notice, welcome, timeouts }) => (
  <Layout title="Settings" page={page} nav="settings">
    <div class="page-head">
      <div>
        <h1>Settings</h1>
        <p class="muted">How you sign in as {me.email}.</p>
      </div>
    </div>
    {welcome ? (
      <div class="notice info" role="status" data-autofocus tabindex={-1}>
        You are signed in. Add a passkey (or set a password) now, so you can sign in again later.
      </div>
    ) : null}
    <Notice text={notice} />
    <ErrorSummary errors={errors} order={["form", "current_password", "new_password", "passkey"]} />
    <div class="grid-2">
      <section class="card" aria-labelledby="passkeys-heading">
        <h2 id="passkeys-heading">Passkeys</h2>
        <p class="muted">
          The safest way to sign in: your device checks it is you (fingerprint, face or PIN) and nothing
          reusable is ever sent.
        </p>
        {passkeys.length === 0 ? (
          <p>You have no passkeys yet.</p>
        ) : (
          <ul class="plain-list">
            {passkeys.map((passkey) => (
              <li>
                <strong>{passkey.name}</strong>
                <div class="muted small">
                  Added <Time date={passkey.createdAt} />, last used{" "}
                  <Time date={passkey.lastUsedAt} empty="never" />
                </div>
                <details>
                  <summary class="link-button small">Remove…</summary>
                  <form
                    method="post"
                    action={`/console/settings/passkeys/${encodeURIComponent(passkey.id)}/remove`}
                  >
                    <CsrfField token={page.csrf} />
                    <button type="submit" class="danger-outline">
                      Remove {passkey.name}
                    </button>
                  </form>
                </details>
              </li>
            ))}
          </ul>
        )}
        <div data-passkey-register hidden>
          <Field
            name="passkey_name"
            id="passkey-name"
            label="Name for the new passkey"
            value=""
            hint="So you can tell your passkeys apart, e.g. “Work laptop”."
            optional
          />
          <button
            type="button"
            class="primary"
            id="passkey-add"
            data-options-url="/console/settings/passkeys/options"
            data-verify-url="/console/settings/passkeys"
          >
            Add a passkey
          </button>
          <p class="field-error" id="passkey-error" role="alert" />
        </div>
        <p class="muted small" data-passkey-unsupported>
          Adding a passkey needs JavaScript and a browser that supports passkeys.
        </p>
      </section>
      <form
        method="post"
        action="/console/settings/password"
        class="card"
        novalidate
        aria-labelledby="password-heading"
      >
        <h2 id="password-heading">{me.passwordHash ? "Change password" : "Set a password"}</h2>
        <p class="muted">
          A fallback for devices without your passkey. At least 12 characters; a passphrase is best.
        </p>
        <CsrfField token={page.csrf} />
        <input type="text" name="username" value={me.email} autocomplete="username" hidden readonly />
        {me.passwordHash ? (
          <Field
            name="current_password"
            label="Current password"
            type="password"
            autocomplete="current-password"
            error={errors.current_password}
            required
          />
        ) : null}
        <Field
          name="new_password"
          label="New password"
          type="password"
          autocomplete="new-password"
          error={errors.new_password}
          required
        />
        <button type="submit" class="primary">
          {me.passwordHash ? "Change password" : "Set password"}
        </button>
      </form>
    </div>
    <form
      method="post"
      action="/console/settings/sign-out-everywhere"
      class="card"
      aria-labelledby="sessions-heading"
    >
      <h2 id="sessions-heading">Sessions</h2>
      <p class="muted">
        Sessions end after {timeouts.idle} without activity and after {timeouts.absolute} in any case. Signed
        in somewhere you should not be? End every other session now.
      </p>
      <CsrfField token={page.csrf} />
      <button type="submit">Sign out everywhere else</button>
    </form>
  </Layout>
);
