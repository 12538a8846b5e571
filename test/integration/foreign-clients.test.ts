/**
 * Assertions signed by software Signet did not write, accepted by a real Signet server:
 * Python's PyJWT (Debian python3-jwt), the openssl command line (pkeyutl -rawin over the
 * signing input), and the docs/clients.md snippets (curl + openssl, Python, Node without the
 * SDK) run exactly as printed. Each reads the credentials file, as a customer would.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { CredentialsFile } from "../../src/core/credentials.js";
import { type RunningSignet, startSignet } from "../support/signet-server.js";
import { describeWithTools, toolProblem } from "../support/tools.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..", "..");

/** The one ```<language> block of docs/clients.md. */
function snippet(language: string): string {
  const doc = readFileSync(join(ROOT, "docs", "clients.md"), "utf8");
  const blocks = [...doc.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, "g"))];
  if (blocks.length !== 1)
    throw new Error(`docs/clients.md: expected one \`\`\`${language} block, found ${blocks.length}`);
  return blocks[0]?.[1] as string;
}

/** A python3 with PyJWT (EdDSA support needs PyJWT 2 and cryptography): Debian's first. */
function findPython(): { python: string; problem: string | null } {
  let problem: string | null = null;
  for (const python of ["/usr/bin/python3", "python3"]) {
    problem = toolProblem(python, [
      "-c",
      "import jwt, cryptography; from jwt.algorithms import OKPAlgorithm",
    ]);
    if (problem === null) return { python, problem };
  }
  return { python: "python3", problem };
}

let running: RunningSignet;
let dir: string;
let credentials: CredentialsFile;
let credentialsPath: string;
let whoami: string;

beforeAll(async () => {
  running = await startSignet();
  credentials = (await running.createKey(["orders:read"])).credentials;
  dir = mkdtempSync(join(tmpdir(), "signet-foreign-"));
  credentialsPath = join(dir, "k.json");
  writeFileSync(credentialsPath, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  whoami = `${running.origin}/v1/whoami`;
});

afterAll(async () => {
  await running?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const expectedCaller = () => ({
  key_id: credentials.key_id,
  account_id: credentials.account_id,
  scopes: ["orders:read"],
});

/** "200 {json}" as the snippets print it. */
function parseStatusLine(output: string): { status: number; body: unknown } {
  const match = /^(\d{3}) ([\s\S]*)$/.exec(output.trim());
  if (!match) throw new Error(`unexpected output: ${output}`);
  return { status: Number(match[1]), body: JSON.parse(match[2] as string) };
}

const env = () => ({ ...process.env, SIGNET_CREDENTIALS: credentialsPath });

const { python, problem: pythonProblem } = findPython();

describeWithTools(
  "PyJWT",
  [
    {
      what: "python3 with PyJWT and cryptography",
      install: "apt-get install python3-jwt python3-cryptography",
      problem: pythonProblem,
    },
  ],
  () => {
    it("a token from jwt.encode(..., algorithm='EdDSA') is accepted (inline script)", async () => {
      const script = join(dir, "sign.py");
      writeFileSync(
        script,
        [
          "import json, secrets, sys, time, jwt",
          "creds = json.load(open(sys.argv[1]))",
          "now = int(time.time())",
          "claims = {'iss': creds['key_id'], 'sub': creds['key_id'], 'aud': creds['audience'],",
          "          'iat': now, 'exp': now + 60, 'jti': secrets.token_urlsafe(18),",
          "          'htm': sys.argv[2], 'htu': sys.argv[3]}",
          "print(jwt.encode(claims, creds['private_key'], algorithm='EdDSA',",
          "                 headers={'typ': 'signet+jwt', 'kid': creds['key_id']}))",
          "",
        ].join("\n"),
      );
      const { stdout } = await run(python, [script, credentialsPath, "GET", whoami]);
      const token = stdout.trim();
      const header = JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString());
      expect(header).toEqual({ alg: "EdDSA", typ: "signet+jwt", kid: credentials.key_id });

      const first = await fetch(whoami, { headers: { authorization: `Bearer ${token}` } });
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual(expectedCaller());
      const again = await fetch(whoami, { headers: { authorization: `Bearer ${token}` } });
      expect(again.status).toBe(401);
      expect(await again.json()).toMatchObject({ code: "replayed_token" });
    });

    it("the docs/clients.md Python snippet runs as printed", async () => {
      const script = join(dir, "signet_request.py");
      writeFileSync(script, snippet("python"));
      const { stdout } = await run(python, [script, whoami], { env: env() });
      expect(parseStatusLine(stdout)).toEqual({ status: 200, body: expectedCaller() });
    });
  },
);

const opensslProblem = toolProblem("openssl", ["version"], (out) => /^OpenSSL [3-9]\./.test(out));

describeWithTools(
  "openssl pkeyutl",
  [{ what: "OpenSSL 3 (pkeyutl -rawin)", install: "apt-get install openssl", problem: opensslProblem }],
  () => {
    it("a token whose signature comes from `openssl pkeyutl -sign -rawin` is accepted", async () => {
      const file = JSON.parse(readFileSync(credentialsPath, "utf8")) as CredentialsFile;
      const keyPath = join(dir, "key.pem");
      writeFileSync(keyPath, file.private_key, { mode: 0o600 });
      const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      const now = Math.floor(Date.now() / 1000);
      const input = `${b64url({ alg: "EdDSA", typ: "signet+jwt", kid: file.key_id })}.${b64url({
        iss: file.key_id,
        sub: file.key_id,
        aud: file.audience,
        iat: now,
        exp: now + 60,
        jti: "openssl-signed-0123456789",
        htm: "GET",
        htu: whoami,
      })}`;
      writeFileSync(join(dir, "input.bin"), input);
      await run("openssl", [
        "pkeyutl",
        "-sign",
        "-inkey",
        keyPath,
        "-rawin",
        "-in",
        join(dir, "input.bin"),
        "-out",
        join(dir, "sig.bin"),
      ]);
      const signature = readFileSync(join(dir, "sig.bin"));
      expect(signature).toHaveLength(64);
      const token = `${input}.${signature.toString("base64url")}`;

      const response = await fetch(whoami, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(expectedCaller());
    });
  },
);

describeWithTools(
  "curl + openssl snippet",
  [
    { what: "OpenSSL 3 (pkeyutl -rawin)", install: "apt-get install openssl", problem: opensslProblem },
    { what: "curl", install: "apt-get install curl", problem: toolProblem("curl", ["--version"]) },
    { what: "jq", install: "apt-get install jq", problem: toolProblem("jq", ["--version"]) },
  ],
  () => {
    it("the docs/clients.md shell snippet runs as printed (GET, and POST with a body)", async () => {
      const script = join(dir, "signet-curl.sh");
      writeFileSync(script, snippet("bash"), { mode: 0o700 });
      const { stdout } = await run("bash", [script, `${whoami}?pretty=1`], { env: env() });
      expect(JSON.parse(stdout)).toEqual(expectedCaller());

      // POST binds htm: a keys:manage key creates a key through the snippet
      const admin = (await running.createKey(["keys:manage"], "shell-admin")).credentials;
      const adminPath = join(dir, "admin.json");
      writeFileSync(adminPath, JSON.stringify(admin), { mode: 0o600 });
      const created = await run(
        "bash",
        [
          script,
          `${running.origin}/v1/keys`,
          "POST",
          JSON.stringify({ name: "from-shell", scopes: ["a:b"] }),
        ],
        { env: { ...process.env, SIGNET_CREDENTIALS: adminPath } },
      );
      expect(JSON.parse(created.stdout)).toMatchObject({ key: { name: "from-shell", scopes: ["a:b"] } });
    });
  },
);

describeWithTools("Node without the SDK", [], () => {
  it("the docs/clients.md Node snippet (node:crypto only) runs as printed", async () => {
    const script = join(dir, "signet-request.mjs");
    writeFileSync(script, snippet("js"));
    const { stdout } = await run(process.execPath, [script, whoami], { env: env() });
    expect(parseStatusLine(stdout)).toEqual({ status: 200, body: expectedCaller() });
  });
});
