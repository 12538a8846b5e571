const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** `90d`, `24h`, `30m`, `45s`, `2w` → seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,6})([smhdwy])$/.exec(text.trim());
  if (!match)
    throw new Error(
      `invalid duration ${JSON.stringify(text)}: use a number and s, m, h, d, w or y (e.g. 90d)`,
    );
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}
