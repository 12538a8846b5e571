/** Opaque pagination cursor: the (createdAt, id) of the last item returned. */
export function encodeCursor(createdAt: Date, id: string): string {
  return btoa(`${createdAt.getTime()}:${id}`).replace(/=+$/, "");
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  let text: string;
  try {
    text = atob(cursor);
  } catch {
    throw new InvalidCursorError();
  }
  const match = /^(\d{1,15}):([a-z]{3}_[0-9A-HJKMNP-TV-Z]{26})$/.exec(text);
  if (!match) throw new InvalidCursorError();
  return { createdAt: new Date(Number(match[1])), id: match[2] as string };
}

export class InvalidCursorError extends Error {
  readonly code = "invalid_request";
  constructor() {
    super("cursor is not valid (pass back next_cursor unchanged)");
  }
}

/** Newest-first ordering shared by every store. */
export function newestFirst(a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  return byTime !== 0 ? byTime : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function isAfterCursor(
  item: { createdAt: Date; id: string },
  cursor: { createdAt: Date; id: string },
): boolean {
  const t = item.createdAt.getTime();
  const c = cursor.createdAt.getTime();
  return t < c || (t === c && item.id < cursor.id);
}
