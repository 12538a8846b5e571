/**
 * Acceptance 4: after keys are created through the API, no private key material of any of
 * them is in the SQLite file (nor its WAL) nor in anything the server logged.
 */
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CredentialsFile } from "../../src/core/credentials.js";
import { type Harness, json, startHarness, type TestKey } from "./harness.js";

const KEYS = 100;

let h: Harness;
let admin: TestKey;
const created: Array<{ id: string; x: string; credentials: CredentialsFile }> = [];
let files: Array<{ name: string; bytes: Buffer }> = [];
let logText = "";

/** Every form a leaked private key could take, as the bytes to look for. */
function secretForms(credentials: CredentialsFile): Array<{ form: string; needle: Buffer }> {
  const pemLines = credentials.private_key
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("-----"));
  const der = Buffer.from(pemLines.join(""), "base64");
  expect(der.length).toBe(48); // RFC 8410 PKCS#8: 16-byte prefix + 32-byte seed
  const seed = der.subarray(der.length - 32);
  return [
    ...pemLines.map((line, i) => ({ form: `PEM body line ${i}`, needle: Buffer.from(line) })),
    { form: "seed base64url", needle: Buffer.from(seed.toString("base64url")) },
    { form: "seed base64", needle: Buffer.from(seed.toString("base64").replace(/=+$/, "")) },
    { form: "seed hex", needle: Buffer.from(seed.toString("hex")) },
    { form: "seed HEX", needle: Buffer.from(seed.toString("hex").toUpperCase()) },
    { form: "seed raw bytes", needle: Buffer.from(seed) },
    { form: "one-line credential", needle: Buffer.from(credentials.credential) },
  ];
}

beforeAll(async () => {
  h = await startHarness();
  admin = await h.bootstrap("acme");
  for (let i = 0; i < KEYS; i++) {
    const res = await h.call(admin.signer, "POST", "/v1/keys", {
      body: { name: `key ${i}`, scopes: ["demo:read", `orders:${i % 2 ? "read" : "write"}`] },
    });
    expect(res.status).toBe(201);
    const body = await json(res);
    created.push({ id: body.key.id, x: body.key.public_key.x, credentials: body.credentials });
  }
  // use some of them, rotate and revoke a few, so every code path that logs or writes runs
  for (const key of created.slice(0, 5)) {
    expect((await h.call(await h.signerFor(key.credentials), "GET", "/v1/whoami")).status).toBe(200);
  }
  const rotated = await json(await h.call(admin.signer, "POST", `/v1/keys/${created[5]?.id}/rotate`));
  created.push({ id: rotated.key.id, x: rotated.key.public_key.x, credentials: rotated.credentials });
  expect((await h.call(admin.signer, "POST", `/v1/keys/${created[6]?.id}/revoke`)).status).toBe(200);
  const bad = await h.call(admin.signer, "PATCH", `/v1/keys/${created[7]?.id}`, { body: { scopes: "x" } });
  expect(bad.status).toBe(400);

  // close the store (flushes last-used times, checkpoints), then read the raw files
  await h.signet.close();
  files = [h.db.path, `${h.db.path}-wal`, `${h.db.path}-journal`]
    .filter((path) => existsSync(path))
    .map((name) => ({ name, bytes: readFileSync(name) }));
  logText = h.logs.join("");
}, 120_000);

afterAll(async () => {
  await h.close();
});

describe(`${KEYS} keys created through the API`, () => {
  it("were all created with credentials, and the server logged their requests", () => {
    expect(created).toHaveLength(KEYS + 1);
    expect(new Set(created.map((k) => k.id)).size).toBe(KEYS + 1);
    expect(h.logs.length).toBeGreaterThanOrEqual(KEYS);
    for (const line of h.logs) expect(() => JSON.parse(line)).not.toThrow();
    expect(logText).toContain('"path":"/v1/keys"');
    expect(files.length).toBeGreaterThanOrEqual(1);
  });

  it("the scan can see stored data: every public x and the admin key's x are in the database", () => {
    const all = Buffer.concat(files.map((f) => f.bytes));
    for (const key of [...created, { x: admin.key.x }]) {
      expect(all.includes(Buffer.from(key.x)), `public x ${key.x}`).toBe(true);
    }
    // and it can see logged data
    expect(logText).toContain(created[0]?.id);
  });

  it("no private key material of any key is in the SQLite file, its WAL or the logs", () => {
    const logs = Buffer.from(logText);
    const leaks: string[] = [];
    for (const key of [...created, { id: admin.id, credentials: admin.credentials }]) {
      for (const { form, needle } of secretForms(key.credentials)) {
        for (const file of files)
          if (file.bytes.includes(needle)) leaks.push(`${key.id}: ${form} in ${file.name}`);
        if (logs.includes(needle)) leaks.push(`${key.id}: ${form} in the logs`);
      }
    }
    expect(leaks).toEqual([]);
    expect(logText).not.toMatch(/PRIVATE KEY|signet_sk_|private_key/);
    for (const file of files) {
      expect(file.bytes.includes(Buffer.from("PRIVATE KEY")), file.name).toBe(false);
      expect(file.bytes.includes(Buffer.from("signet_sk_")), file.name).toBe(false);
    }
  });

  it("no bearer token was logged either", () => {
    expect(logText).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    expect(logText.toLowerCase()).not.toContain("bearer");
  });
});
