import { serve } from "@hono/node-server";
import { ConfigError, loadConfig } from "../server/config.js";
import { createLogger } from "./logger.js";
import { buildNodeSignet } from "./node-app.js";

/** `npm start` / `signet serve`: migrate, then serve until SIGINT/SIGTERM. */
export async function startNodeServer(
  env: Record<string, string | undefined> = process.env,
): Promise<{ stop(): Promise<void>; port: number }> {
  const config = loadConfig(env);
  const logger = createLogger(config.log);
  const signet = await buildNodeSignet(config, { logger });
  const server = serve({ fetch: signet.app.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= new Promise<void>((resolve) => server.close(() => resolve())).then(() => signet.close()));
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      logger.info("shutting down", { signal });
      // in-flight requests finish; then the last-used flush, Redis and the database close
      const force = setTimeout(() => {
        logger.error("shutdown took over 10 s; exiting anyway");
        process.exit(1);
      }, 10_000);
      force.unref();
      void stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error("shutdown failed", { error: String(error) });
          process.exit(1);
        },
      );
    });
  }
  process.stderr.write(
    [
      `Signet is listening on http://localhost:${port} (audience ${config.audience}, database ${config.databaseUrl})`,
      "Create the first account and key:",
      "  npx signet accounts create acme",
      "  npx signet keys create --account acme --name ci --scopes demo:read,keys:manage --out k.json",
      `  npx signet request --credentials k.json http://localhost:${port}/v1/whoami`,
      `The console is at http://localhost:${port}/console; a first sign-in link:`,
      "  npx signet users create --account acme --email you@example.com",
      "",
    ].join("\n"),
  );
  return { stop, port };
}

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("entry/node.ts");
if (isMain) {
  startNodeServer().catch((error: unknown) => {
    const message =
      error instanceof ConfigError
        ? `configuration error: ${error.message}`
        : `signet failed to start: ${(error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
}
