import { Command, CommanderError } from "commander";
import { SignetError } from "../core/errors.js";
import { ConfigError } from "../server/config.js";
import { registerClientCommands } from "./client-commands.js";
import { registerOperatorCommands } from "./operator.js";

export function buildProgram(): Command {
  const program = new Command("signet")
    .description("Signet: API keys where the server stores only public keys")
    .showHelpAfterError()
    .exitOverride();
  program
    .command("serve")
    .description("run the server (migrates first); configured by SIGNET_PUBLIC_URL, DATABASE_URL, PORT")
    .action(async () => {
      const { startNodeServer } = await import("../entry/node.js");
      await startNodeServer();
      await new Promise(() => {}); // until a signal stops it
    });
  registerOperatorCommands(program);
  registerClientCommands(program);
  return program;
}

/** Runs the CLI; errors are one clear line on stderr and a non-zero exit. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const message =
      error instanceof ConfigError
        ? `configuration error: ${error.message}`
        : error instanceof SignetError
          ? `${error.code}: ${error.message}`
          : (error as Error).message;
    process.stderr.write(`signet: ${message}\n`);
    process.exitCode = 1;
  }
}

const invoked = process.argv[1] ?? "";
if (invoked.endsWith("cli/main.ts") || invoked.endsWith("cli/main.js")) {
  void main(process.argv);
}
