/** CPU time per verified request inside workerd (filled in once the worker entry exists). */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { KeyPool } from "./shared.js";

export interface WorkerdResult {
  available: boolean;
  cpuMicrosPerRequest: number | null;
  requests: number;
  detail: string;
}

export async function measureWorkerd(options: {
  root: string;
  work: string;
  pool: KeyPool;
  log: (line: string) => void;
}): Promise<WorkerdResult> {
  const entry = join(options.root, "src/entry/worker.ts");
  const config = join(options.root, "wrangler.toml");
  if (!existsSync(entry) || !existsSync(config)) {
    return { available: false, cpuMicrosPerRequest: null, requests: 0, detail: "worker entry not built yet" };
  }
  return { available: false, cpuMicrosPerRequest: null, requests: 0, detail: "not measured" };
}
