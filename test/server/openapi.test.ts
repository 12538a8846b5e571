/**
 * /openapi.json is a valid OpenAPI 3.1 document (checked by an independent validator) that
 * covers every route the app registers, each with schemas and error responses; /docs renders
 * it as a page that loads nothing from anywhere.
 */
import { createHash } from "node:crypto";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.js";

// biome-ignore lint/suspicious/noExplicitAny: the document is arbitrary JSON read by assertions
type Json = any;

const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];
let h: Harness;
let doc: Json;

beforeAll(async () => {
  h = await startHarness();
  const response = await h.app.request("http://signet.test/openapi.json");
  expect(response.status).toBe(200);
  doc = await response.json();
});
afterAll(() => h?.close());

/** Every (method, path) the Hono app answers, in OpenAPI's {param} form. */
function registeredRoutes(): string[] {
  const seen = new Set<string>();
  for (const route of h.app.routes) {
    const method = route.method.toLowerCase();
    if (!METHODS.includes(method)) continue; // app.use() middleware registers as ALL
    // :id and :path{regex} are OpenAPI's {id} and {path}
    const path = route.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");
    if (
      path === "/v1" ||
      path.startsWith("/v1/") ||
      path === "/healthz" ||
      path.startsWith("/.well-known/")
    ) {
      seen.add(`${method.toUpperCase()} ${path}`);
    }
  }
  return [...seen].sort();
}

function documentedRoutes(): string[] {
  const found: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of METHODS) if (item[method]) found.push(`${method.toUpperCase()} ${path}`);
  }
  return found.sort();
}

function operations(): Array<{ id: string; op: Json }> {
  return documentedRoutes().map((id) => {
    const [method, path] = id.split(" ") as [string, string];
    return { id, op: doc.paths[path][method.toLowerCase()] };
  });
}

describe("/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("documents every registered /v1, /healthz and /.well-known route, and nothing that is not registered", () => {
    const registered = registeredRoutes();
    expect(registered.length).toBeGreaterThanOrEqual(18);
    expect(registered).toContain("GET /v1/forward-auth");
    expect(registered).toContain("DELETE /v1/webhooks/{id}");
    expect(registered).toContain("POST /v1/ext-authz/{path}");
    expect(documentedRoutes()).toEqual(expect.arrayContaining(registered));
    for (const documented of documentedRoutes()) expect(registered, documented).toContain(documented);
  });

  it("gives every operation a summary, a success response and error responses with schemas", () => {
    for (const { id, op } of operations()) {
      expect(op.summary, id).toEqual(expect.any(String));
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => s.startsWith("2")),
        `${id} has a 2xx response`,
      ).toBe(true);
      const errors = statuses.filter((s) => Number(s) >= 400);
      expect(errors.length, `${id} documents its errors`).toBeGreaterThan(0);
      for (const status of statuses) {
        const response = op.responses[status];
        expect(response.description, `${id} ${status}`).toEqual(expect.any(String));
        for (const [type, media] of Object.entries((response.content ?? {}) as Record<string, Json>)) {
          expect(media.schema, `${id} ${status} ${type} has a schema`).toBeTruthy();
        }
        if (Number(status) >= 400 && response.content) {
          expect(Object.keys(response.content), `${id} ${status}`).toEqual(
            expect.arrayContaining([expect.stringMatching(/json$/)]),
          );
        }
        // a 2xx carries a body schema, unless its answer is its status and headers (204, ext_authz's 200)
        if (status.startsWith("2") && status !== "204" && !response.headers) {
          expect(response.content, `${id} ${status} has a body schema`).toBeTruthy();
        }
      }
      if (op.security?.length) {
        expect(statuses, `${id} is authenticated, so documents 401`).toContain("401");
      }
      if (op.requestBody) {
        expect(op.requestBody.content["application/json"].schema, `${id} request schema`).toBeTruthy();
      }
    }
  });

  it("declares a schema for every request body a route validates", () => {
    const withBodies = ["POST /v1/keys", "PATCH /v1/keys/{id}", "POST /v1/verify", "POST /v1/webhooks"];
    const byId = new Map(operations().map((o) => [o.id, o.op]));
    for (const id of withBodies) expect(byId.get(id)?.requestBody, id).toBeTruthy();
  });

  it("marks only the creation response's credentials as nullable, not the shared schema", () => {
    expect(doc.components.schemas.Credentials.type).toBe("object");
    expect(doc.components.schemas.CreatedKey.properties.credentials).toEqual({
      anyOf: [{ $ref: "#/components/schemas/Credentials" }, { type: "null" }],
    });
  });

  it("resolves every $ref to a component", () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const [, , section, name] = (JSON.parse(`{${ref}}`).$ref as string).split("/");
      expect(doc.components?.[section as string]?.[name as string], ref).toBeTruthy();
    }
  });
});

describe("/docs", () => {
  it("renders every operation and schema on a page that loads nothing from the network", async () => {
    const response = await h.app.request("http://signet.test/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    const html = await response.text();
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|@import|url\(/i);

    // the inline style is the one the CSP allows (by hash), so it applies
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    const hash = createHash("sha256").update(style).digest("base64");
    expect(csp).toContain(`style-src 'sha256-${hash}'`);

    for (const id of documentedRoutes()) {
      const [method, path] = id.split(" ") as [string, string];
      expect(html, id).toContain(
        `<span class="method ${method.toLowerCase()}">${method}</span> <code>${path}</code>`,
      );
    }
    for (const name of Object.keys(doc.components.schemas)) {
      expect(html, name).toContain(`id="schema-${name}"`);
    }
    // request and response shapes are spelled out, with links between named schemas
    expect(html).toContain('<a href="#schema-CreateKey">CreateKey</a>');
    expect(html).toMatch(/name: string <span class="note">\(min length 1, max length 100\)<\/span>/);
  });
});
