/** Results go to stdout; progress and warnings to stderr. */
export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  print(line(headers));
  for (const row of rows) print(line(row));
  if (rows.length === 0) process.stderr.write("(none)\n");
}

/** A spinner-free progress line on stderr for long work; returns the function that ends it. */
export function progress(message: string): () => void {
  if (!process.stderr.isTTY) return () => {};
  process.stderr.write(`${message}…`);
  const started = Date.now();
  return () => process.stderr.write(` done (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
