import type { Logger } from "../server/env.js";

/** JSON lines on stdout (or readable lines, or nothing). Callers never pass secrets. */
export function createLogger(
  mode: "json" | "pretty" | "silent",
  write: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
  if (mode === "silent") return { silent: true, info() {}, warn() {}, error() {} };
  const emit =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (mode === "json") {
        write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
      } else {
        const rest = Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
          .join(" ");
        write(`${level.padEnd(5)} ${message}${rest ? ` ${rest}` : ""}\n`);
      }
    };
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}
