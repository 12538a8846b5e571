import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { loadCredentials } from "../client/credentials.js";
import { createSigner } from "../client/signer.js";
import { print } from "./output.js";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function bodyFrom(data: string | undefined): Promise<string | undefined> {
  if (data === undefined) return undefined;
  if (data.startsWith("@")) {
    const path = data.slice(1);
    return path === "-" ? await readStdin() : await readFile(path, "utf8");
  }
  return data;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Client commands: sign with a credentials file (or SIGNET_CREDENTIALS). */
export function registerClientCommands(program: Command): void {
  program
    .command("token")
    .description("print a signed assertion (JWT) for one request")
    .option("--credentials <file>", "credentials file (default: SIGNET_CREDENTIALS)")
    .requiredOption("--method <method>", "HTTP method of the request", "GET")
    .requiredOption("--url <url>", "the full URL of the request")
    .option("--scope <scopes>", "narrow the token to these scopes (space or comma separated)")
    .option("--lifetime <seconds>", "token lifetime", "60")
    .action(
      async (options: {
        credentials?: string;
        method: string;
        url: string;
        scope?: string;
        lifetime: string;
      }) => {
        const credentials = await loadCredentials(options.credentials);
        const signer = createSigner(credentials, { lifetime: Number(options.lifetime) });
        const scope = options.scope?.split(/[\s,]+/).filter(Boolean);
        print(await signer.sign({ method: options.method, url: options.url, scope }));
      },
    );

  program
    .command("request <url>")
    .description("sign, send and print the response (like curl)")
    .option("--credentials <file>", "credentials file (default: SIGNET_CREDENTIALS)")
    .option("-X, --request <method>", "HTTP method", undefined)
    .option("-H, --header <header>", "extra header, e.g. 'Accept: text/plain' (repeatable)", collect, [])
    .option("-d, --data <body>", "request body; @file reads a file, @- reads stdin")
    .option("--json <body>", "JSON body (sets Content-Type and Accept)")
    .option("-i, --include", "print the status line and response headers")
    .option("--scope <scopes>", "narrow the token to these scopes")
    .action(
      async (
        url: string,
        options: {
          credentials?: string;
          request?: string;
          header: string[];
          data?: string;
          json?: string;
          include?: boolean;
          scope?: string;
        },
      ) => {
        const credentials = await loadCredentials(options.credentials);
        const signer = createSigner(credentials);
        const headers = new Headers();
        for (const header of options.header) {
          const colon = header.indexOf(":");
          if (colon <= 0) throw new Error(`invalid header ${JSON.stringify(header)}: expected 'Name: value'`);
          headers.append(header.slice(0, colon).trim(), header.slice(colon + 1).trim());
        }
        let body = await bodyFrom(options.data);
        if (options.json !== undefined) {
          body = options.json;
          headers.set("content-type", "application/json");
          headers.set("accept", "application/json");
        }
        const method = (options.request ?? (body !== undefined ? "POST" : "GET")).toUpperCase();
        const scope = options.scope?.split(/[\s,]+/).filter(Boolean);
        headers.set("authorization", `Bearer ${await signer.sign({ method, url, scope })}`);
        let response: Response;
        try {
          response = await fetch(url, { method, headers, body });
        } catch (error) {
          throw new Error(
            `cannot reach ${new URL(url).origin}: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`,
          );
        }
        if (options.include) {
          print(`HTTP ${response.status} ${response.statusText}`);
          for (const [name, value] of response.headers) print(`${name}: ${value}`);
          print("");
        } else {
          process.stderr.write(`${response.status} ${response.statusText}\n`);
        }
        const text = await response.text();
        process.stdout.write(text.endsWith("\n") || text === "" ? text : `${text}\n`);
        if (!response.ok) process.exitCode = 22; // like curl --fail
      },
    );
}
