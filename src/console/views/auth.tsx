import type { FC } from "hono/jsx";
import { CsrfField, ErrorSummary, Field, type FieldErrors, formatDate, Notice } from "./components.js";
import { AuthLayout, type PageContext } from "./layout.js";

export const SignInPage: FC<{
  page: PageContext;
  email?: string;
  errors?: FieldErrors;
  notice?: string | undefined;
  next?: string | undefined;
}> = ({ page, email, errors = {}, notice, next }) => (
  <AuthLayout title="Sign in" page={page}>
    <h1>Sign in to Signet</h1>
    <p class="lead">Manage your account's API keys.</p>
    <Notice text={notice} />
    <ErrorSummary errors={errors} order={["form", "email", "password"]} />
    <div data-passkey-signin hidden>
      <button
        type="button"
        class="primary large block"
        id="passkey-sign-in"
        data-options-url="/console/passkey/options"
        data-verify-url="/console/passkey/verify"
        data-next={next ?? ""}
      >
        Sign in with a passkey
      </button>
      <p class="field-error" id="passkey-error" role="alert" />
      <div class="divider">or use your password</div>
    </div>
    <form method="post" action="/console/sign-in" novalidate>
      <CsrfField token={page.csrf} />
      {next ? <input type="hidden" name="next" value={next} /> : null}
      <Field
        name="email"
        label="Email"
        type="email"
        autocomplete="username webauthn"
        value={email}
        error={errors.email}
        required
        spellcheck={false}
      />
      <Field
        name="password"
        label="Password"
        type="password"
        autocomplete="current-password"
        error={errors.password}
        required
      />
      <button type="submit" class="block large" id="password-sign-in">
        Sign in with password
      </button>
    </form>
  </AuthLayout>
);

export const LinkPage: FC<{
  page: PageContext;
  token: string;
  email: string;
  accountName: string;
  expiresAt: Date;
}> = ({ page, token, email, accountName, expiresAt }) => (
  <AuthLayout title="Continue signing in" page={page}>
    <h1>Welcome to Signet</h1>
    <p class="lead">
      This one-time link signs in <strong>{email}</strong> to the account <strong>{accountName}</strong>. It
      works once and expires at {formatDate(expiresAt)}.
    </p>
    <form method="post" action="/console/link">
      <CsrfField token={page.csrf} />
      <input type="hidden" name="token" value={token} />
      <button type="submit" class="primary large block" data-autofocus>
        Continue
      </button>
    </form>
    <p class="muted small">Next you will add a passkey or set a password, so you can sign in again later.</p>
  </AuthLayout>
);

export const LinkInvalidPage: FC<{ page: PageContext }> = ({ page }) => (
  <AuthLayout title="Link expired" page={page}>
    <h1>This sign-in link cannot be used</h1>
    <p class="lead">
      It has expired or was used already: each link works once, for 15 minutes. Ask an owner of your account
      (or your Signet operator) for a new one.
    </p>
    <a class="button block" href="/console/sign-in">
      Go to sign-in
    </a>
  </AuthLayout>
);
