import { APP_JS } from "./app-js.js";
import { CONSOLE_CSS } from "./console-css.js";

/** FNV-1a, hex: a cache-busting version for each asset's URL. */
function fingerprintOf(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

export const ASSETS: Record<string, { body: string; type: string; version: string }> = {
  "app.js": { body: APP_JS, type: "text/javascript; charset=utf-8", version: fingerprintOf(APP_JS) },
  "console.css": { body: CONSOLE_CSS, type: "text/css; charset=utf-8", version: fingerprintOf(CONSOLE_CSS) },
};

export const ASSET_PATHS = {
  css: `/console/assets/console.css?v=${ASSETS["console.css"]?.version}`,
  js: `/console/assets/app.js?v=${ASSETS["app.js"]?.version}`,
};
