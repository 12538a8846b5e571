/**
 * Parses a JWS header or claims segment: UTF-8 (fatal on bad bytes, BOM kept so it fails),
 * a JSON object, no duplicate member names at any depth, bounded nesting.
 * Returns null for anything else; callers turn that into their own error.
 */
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const MAX_DEPTH = 16;

export function parseStrictJsonObject(bytes: Uint8Array): Record<string, unknown> | null {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  return hasDuplicateOrDeepMembers(text) ? null : (value as Record<string, unknown>);
}

/** Walks valid JSON text; true if an object repeats a member name or nesting is too deep. */
function hasDuplicateOrDeepMembers(text: string): boolean {
  // One entry per open container: a Set of member names for objects, null for arrays.
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "{" || ch === "[") {
      stack.push(ch === "{" ? new Set() : null);
      if (stack.length > MAX_DEPTH) return true;
      expectKey = ch === "{";
    } else if (ch === "}" || ch === "]") {
      stack.pop();
      expectKey = false;
    } else if (ch === ",") {
      expectKey = stack[stack.length - 1] instanceof Set;
    } else if (ch === '"') {
      const end = endOfString(text, i);
      if (expectKey) {
        // a name without escapes is its own text; only escaped ones need decoding to compare
        const raw = text.slice(i + 1, end);
        const name = raw.includes("\\") ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        const members = stack[stack.length - 1] as Set<string>;
        if (members.has(name)) return true;
        members.add(name);
        expectKey = false;
      }
      i = end;
    }
  }
  return false;
}

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}
