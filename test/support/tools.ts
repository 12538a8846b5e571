/**
 * Programs the integration suites drive for real (nginx, python3 with PyJWT, openssl). A
 * missing one fails the suite when CI=true and skips it with one clear line elsewhere.
 */
import { spawnSync } from "node:child_process";
import { describe, it } from "vitest";

const inCi = process.env.CI === "true";

/** Why `probe` says the tool is unusable, or null when it works. */
export function toolProblem(
  command: string,
  args: string[],
  check?: (output: string) => boolean,
): string | null {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 20_000 });
  if (result.error)
    return `${command}: ${(result.error as NodeJS.ErrnoException).code ?? result.error.message}`;
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.status !== 0)
    return `${command} ${args.join(" ")} exited ${result.status}: ${output.trim().slice(0, 200)}`;
  if (check && !check(output))
    return `${command} ${args.join(" ")}: unexpected output ${output.trim().slice(0, 200)}`;
  return null;
}

/**
 * A describe() that runs when every requirement holds. Otherwise, under CI=true the suite has
 * one failing test naming what is missing; elsewhere it is skipped with one line on stderr.
 */
export function describeWithTools(
  name: string,
  requirements: Array<{ what: string; install: string; problem: string | null }>,
  body: () => void,
): void {
  const missing = requirements.filter((r) => r.problem !== null);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const reason = missing.map((r) => `${r.what} unavailable (${r.problem}); install: ${r.install}`).join("; ");
  if (inCi) {
    describe(name, () => {
      it("has what it needs", () => {
        throw new Error(`${reason} (CI=true requires it; .ci/run installs it)`);
      });
    });
    return;
  }
  console.warn(`SKIP ${name}: ${reason}`);
  describe.skip(name, () => {
    it(reason, () => {});
  });
}
