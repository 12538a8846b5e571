/** Turns a `file:` DATABASE_URL into the path better-sqlite3 opens. */
export function sqliteFilePath(databaseUrl: string): string {
  if (!databaseUrl.startsWith("file:")) {
    throw new Error(
      `DATABASE_URL must start with file: for SQLite, got ${JSON.stringify(databaseUrl.split(":")[0])}`,
    );
  }
  const rest = databaseUrl.slice("file:".length);
  if (rest.length === 0) throw new Error("DATABASE_URL file: path is empty");
  return rest.startsWith("//") ? rest.slice(2) : rest;
}
