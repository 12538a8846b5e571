import { ASSET_PATHS } from "./assets/index.js";
import type { ConsoleContext } from "./context.js";
import { csrfToken } from "./sessions.js";
import type { PageContext } from "./views/layout.js";

/** What every page needs: the session, the CSRF token for its forms, the CSP nonce. */
export function pageContext(c: ConsoleContext): PageContext {
  const session = c.get("session");
  return {
    session,
    csrf: csrfToken(c, session),
    nonce: c.get("secureHeadersNonce"),
    assets: ASSET_PATHS,
  };
}

/** Fixed messages after a redirect, chosen by `?done=`: nothing from the URL is echoed. */
const NOTICES: Record<string, string> = {
  updated: "Changes saved.",
  revoked: "Key revoked. Every request signed with it now fails.",
  disabled: "Key disabled. Requests signed with it fail until you enable it again.",
  enabled: "Key enabled.",
  registered: "Key registered with your public key.",
  password: "Password saved. Your other sessions have ended.",
  "passkey-added": "Passkey added. You can now sign in with it.",
  "passkey-removed": "Passkey removed.",
  "others-signed-out": "Every other session has ended.",
  "user-removed": "Removed from the account.",
  "signed-out": "You have signed out.",
  expired: "Your session has ended. Sign in again to continue.",
};

export const noticeFor = (c: ConsoleContext): string | undefined => NOTICES[c.req.query("done") ?? ""];

/** The browser-generated key flow posts with fetch and asks for JSON. */
export const wantsJson = (c: ConsoleContext): boolean =>
  (c.req.header("accept") ?? "").includes("application/json");

/** "1 hour", "12 hours", "30 minutes". */
export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes % 60 !== 0) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = minutes / 60;
  return hours === 1 ? "an hour" : `${hours} hours`;
}
