import { raw } from "hono/html";
import type { Child, FC } from "hono/jsx";
import type { ConsoleSession } from "../context.js";
import { CsrfField, KeyGlyph } from "./components.js";

/** What every page needs from the request. */
export interface PageContext {
  session: ConsoleSession | undefined;
  csrf: string;
  nonce: string | undefined;
  assets: { css: string; js: string };
}

const FAVICON = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="#4338ca" stroke-width="2.4" stroke-linecap="round"><circle cx="7.5" cy="15.5" r="4.5"/><path d="M10.7 12.3 20 3M16 7l3 3M13.5 9.5l2 2"/></svg>',
)}`;

/** Standards mode. */
const DOCTYPE = raw("<!DOCTYPE html>");

export type NavItem = "keys" | "audit" | "team" | "settings";

const NAV: Array<{ id: NavItem; href: string; label: string }> = [
  { id: "keys", href: "/console/keys", label: "API keys" },
  { id: "audit", href: "/console/audit", label: "Audit log" },
  { id: "team", href: "/console/team", label: "Team" },
  { id: "settings", href: "/console/settings", label: "Settings" },
];

const Head: FC<{ title: string; page: PageContext }> = ({ title, page }) => (
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="same-origin" />
    <link rel="icon" href={FAVICON} />
    <meta name="csrf-token" content={page.csrf} />
    <title>{`${title} · Signet`}</title>
    <link rel="stylesheet" href={page.assets.css} />
    <script type="module" src={page.assets.js} nonce={page.nonce} />
  </head>
);

/** A signed-in page: top bar with the account, navigation and sign-out. */
export const Layout: FC<{
  title: string;
  page: PageContext;
  nav?: NavItem | undefined;
  narrow?: boolean;
  mainData?: Record<string, string>;
  children?: Child;
}> = ({ title, page, nav, narrow, mainData, children }) => {
  const session = page.session;
  const data = Object.fromEntries(Object.entries(mainData ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return (
    <>
      {DOCTYPE}
      <html lang="en">
        <Head title={title} page={page} />
        <body>
          <a class="skip-link" href="#main">
            Skip to content
          </a>
          <header class="topbar">
            <div class="topbar-inner">
              <a class="brand" href="/console/keys">
                <KeyGlyph />
                Signet
              </a>
              {session ? (
                <span class="account-chip" title={session.account.id}>
                  {session.account.name}
                </span>
              ) : null}
              {session ? (
                <nav class="topnav" aria-label="Console">
                  <ul>
                    {NAV.map((item) => (
                      <li>
                        <a href={item.href} aria-current={item.id === nav ? "page" : undefined}>
                          {item.label}
                        </a>
                      </li>
                    ))}
                  </ul>
                </nav>
              ) : null}
              {session ? (
                <div class="who">
                  <span>{session.user.email}</span>
                  <form method="post" action="/console/sign-out">
                    <CsrfField token={page.csrf} />
                    <button type="submit" class="link-button">
                      Sign out
                    </button>
                  </form>
                </div>
              ) : null}
            </div>
          </header>
          <main id="main" class={narrow ? "narrow" : undefined} tabindex={-1} {...data}>
            {children}
          </main>
          <footer class="site">
            Signet keeps only public keys. Private keys are shown once and never stored.
          </footer>
          <div id="live" class="visually-hidden" aria-live="polite" />
        </body>
      </html>
    </>
  );
};

/** The signed-out pages (sign-in, one-time links): one centred card. */
export const AuthLayout: FC<{ title: string; page: PageContext; children?: Child }> = ({
  title,
  page,
  children,
}) => (
  <>
    {DOCTYPE}
    <html lang="en">
      <Head title={title} page={page} />
      <body>
        <main id="main" class="auth-wrap" tabindex={-1}>
          <a class="auth-brand" href="/console/sign-in">
            <KeyGlyph />
            Signet
          </a>
          <div class="auth-card">{children}</div>
          <p class="auth-foot">API keys where the provider stores only public keys.</p>
        </main>
        <div id="live" class="visually-hidden" aria-live="polite" />
      </body>
    </html>
  </>
);
