import { InvalidScopeError } from "./errors.js";

/** `resource:action` or `resource:*`; lower-case letters, digits, `_`, `-`, `.`. */
export const SCOPE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}:(\*|[a-z][a-z0-9_.-]{0,63})$/;

export function assertScope(scope: string): void {
  if (!SCOPE_PATTERN.test(scope)) {
    throw new InvalidScopeError(
      `invalid scope ${JSON.stringify(scope.slice(0, 80))}: expected resource:action or resource:*`,
    );
  }
}

/** Validates and de-duplicates a scope list, keeping order. */
export function normalizeScopes(scopes: readonly string[]): string[] {
  for (const scope of scopes) assertScope(scope);
  return [...new Set(scopes)];
}

/** Does one held scope cover the required one? `orders:*` covers `orders:read`. */
export function scopeCovers(held: string, required: string): boolean {
  if (held === required) return true;
  const [resource, action] = held.split(":");
  return action === "*" && required.startsWith(`${resource}:`);
}

export function isCovered(held: readonly string[], required: string): boolean {
  return held.some((scope) => scopeCovers(scope, required));
}

/**
 * The scopes a token actually carries: the key's scopes, narrowed by the token's `scope`
 * claim when present. A claim wider than the key grants nothing extra.
 */
export function effectiveScopes(
  keyScopes: readonly string[],
  tokenScopes: readonly string[] | undefined,
): string[] {
  if (tokenScopes === undefined) return [...keyScopes];
  const out = new Set<string>();
  for (const scope of tokenScopes) if (isCovered(keyScopes, scope)) out.add(scope);
  for (const scope of keyScopes) if (isCovered(tokenScopes, scope)) out.add(scope);
  return [...out];
}

/** Required scopes that `granted` does not cover. */
export function missingScopes(granted: readonly string[], required: readonly string[]): string[] {
  return required.filter((scope) => !isCovered(granted, scope));
}
