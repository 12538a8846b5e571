import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";

/** The object config app.ts passes to doc31 (title, version, servers, …). */
export type OpenApiObjectConfig = Parameters<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>[0];

// The document is plain JSON; these are the few shapes the renderer reads.
type Json = Record<string, unknown>;
type Schema = Json & {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  additionalProperties?: boolean | Schema;
  description?: string;
  format?: string;
  pattern?: string;
  nullable?: boolean;
};

const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"] as const;

const escapeHtml = (text: unknown): string =>
  String(text)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");

const anchor = (text: string): string => text.replace(/[^A-Za-z0-9_-]+/g, "-");
const refName = (ref: string): string => ref.split("/").pop() ?? ref;

function constraints(schema: Schema): string {
  const notes: string[] = [];
  for (const [key, label] of [
    ["format", ""],
    ["minLength", "min length "],
    ["maxLength", "max length "],
    ["minimum", "≥ "],
    ["maximum", "≤ "],
    ["minItems", "min items "],
    ["maxItems", "max items "],
    ["default", "default "],
    ["pattern", "pattern "],
  ] as const) {
    if (schema[key] !== undefined) {
      const value = key === "default" ? JSON.stringify(schema[key]) : String(schema[key]);
      notes.push(`${label}${value}`);
    }
  }
  return notes.length ? ` <span class="note">(${escapeHtml(notes.join(", "))})</span>` : "";
}

/** A schema as an indented, TypeScript-like shape, with links to named schemas. */
function renderSchema(schema: Schema | undefined, indent = 0): string {
  if (!schema) return "unknown";
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return `<a href="#schema-${anchor(name)}">${escapeHtml(name)}</a>`;
  }
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map((v) => renderSchema(v, indent)).join(" | ");
  if (schema.allOf) return schema.allOf.map((v) => renderSchema(v, indent)).join(" &amp; ");
  if (schema.enum) return schema.enum.map((v) => escapeHtml(JSON.stringify(v))).join(" | ");
  if (schema.const !== undefined) return escapeHtml(JSON.stringify(schema.const));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const rendered = types.length
    ? types.map((type) => renderType(type, schema, indent))
    : [schema.properties ? renderType("object", schema, indent) : "any"];
  if (schema.nullable) rendered.push("null");
  return rendered.join(" | ") + constraints(schema);
}

function renderType(type: string, schema: Schema, indent: number): string {
  if (type === "array") {
    const inner = renderSchema(schema.items, indent);
    return schema.items?.anyOf || schema.items?.oneOf ? `(${inner})[]` : `${inner}[]`;
  }
  if (type !== "object") return escapeHtml(type);
  const pad = "  ".repeat(indent + 1);
  const lines: string[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const description = property.description
      ? ` <span class="desc">// ${escapeHtml(property.description)}</span>`
      : "";
    lines.push(
      `${pad}${escapeHtml(name)}${required.has(name) ? "" : "?"}: ${renderSchema(property, indent + 1)}${description}`,
    );
  }
  const extra = schema.additionalProperties;
  if (extra && typeof extra === "object") {
    lines.push(`${pad}[name: string]: ${renderSchema(extra, indent + 1)}`);
  } else if (extra === true || (extra === undefined && !schema.properties)) {
    lines.push(`${pad}[name: string]: any`);
  }
  if (lines.length === 0) return "{}";
  return `{\n${lines.join("\n")}\n${"  ".repeat(indent)}}`;
}

/** A body's schema: a named one is linked and spelled out (its own named parts stay links). */
function renderBodySchema(schema: Schema | undefined, schemas: Record<string, Schema>): string {
  const named = schema?.$ref ? schemas[refName(schema.$ref)] : undefined;
  return named ? `${renderSchema(schema)} ${renderSchema(named)}` : renderSchema(schema);
}

function renderContent(content: Json | undefined, schemas: Record<string, Schema>): string {
  if (!content) return "";
  return Object.entries(content)
    .map(
      ([type, media]) =>
        `<div class="media">${escapeHtml(type)}</div><pre>${renderBodySchema((media as Json).schema as Schema, schemas)}</pre>`,
    )
    .join("");
}

function renderOperation(path: string, method: string, op: Json, schemas: Record<string, Schema>): string {
  const id = anchor(`${method}-${path}`);
  const parts: string[] = [
    `<section class="op" id="${id}"><h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>`,
  ];
  if (op.summary) parts.push(`<p class="summary">${escapeHtml(op.summary)}</p>`);
  if (op.description) parts.push(`<p>${escapeHtml(op.description)}</p>`);
  if (Array.isArray(op.security) && op.security.length > 0) {
    parts.push(
      `<p class="auth">Requires <code>Authorization: Bearer &lt;assertion&gt;</code> (see <a href="#security">authentication</a>).</p>`,
    );
  }
  const parameters = (op.parameters as Json[] | undefined) ?? [];
  if (parameters.length) {
    parts.push(
      "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>",
      ...parameters.map(
        (p) =>
          `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? "yes" : "no"}</td><td><code>${renderSchema(p.schema as Schema)}</code>${p.description ? ` ${escapeHtml(p.description)}` : ""}</td></tr>`,
      ),
      "</table>",
    );
  }
  const body = op.requestBody as Json | undefined;
  if (body) {
    parts.push(
      `<h4>Request body${body.required ? "" : " (optional)"}</h4>`,
      renderContent(body.content as Json, schemas),
    );
  }
  parts.push("<h4>Responses</h4>");
  for (const [status, response] of Object.entries((op.responses as Record<string, Json>) ?? {})) {
    const headers = Object.keys((response.headers as Json | undefined) ?? {});
    parts.push(
      `<div class="response"><span class="status s${escapeHtml(status[0])}">${escapeHtml(status)}</span> ${escapeHtml(response.description ?? "")}${
        headers.length ? ` <span class="note">headers: ${headers.map(escapeHtml).join(", ")}</span>` : ""
      }</div>`,
      // success bodies are spelled out; error bodies (always Problem) stay a link
      renderContent(response.content as Json | undefined, status.startsWith("2") ? schemas : {}),
    );
  }
  parts.push("</section>");
  return parts.join("\n");
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d232a;background:#fafafa}
header,main{max-width:980px;margin:0 auto;padding:16px 24px}
header{border-bottom:1px solid #ddd}
h1{margin:0 0 4px}h2{margin-top:40px;border-bottom:1px solid #ddd}h3{margin:0 0 6px}h4{margin:14px 0 4px}
nav ul{columns:2;padding-left:18px}nav li{break-inside:avoid}
.op{background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:14px 18px;margin:16px 0}
.method{display:inline-block;min-width:64px;text-align:center;border-radius:4px;color:#fff;font-size:13px;padding:1px 6px}
.get,.head,.options{background:#2f6fb0}.post{background:#2f8f4e}.patch{background:#a66d00}.put{background:#a66d00}.delete{background:#b03030}
pre{background:#f3f4f6;padding:8px 10px;border-radius:4px;overflow-x:auto;margin:4px 0 10px}
.desc,.note{color:#67707a}.media{font-size:12px;color:#67707a}
.status{font-weight:600;font-family:monospace}.s2{color:#2f8f4e}.s4{color:#a66d00}.s5{color:#b03030}
table{border-collapse:collapse;margin:4px 0 10px}td,th{border:1px solid #e2e2e2;padding:3px 8px;text-align:left;vertical-align:top}
`;

/** The whole reference page, rendered on the server from the OpenAPI document. */
export function renderReference(doc: Json): string {
  const info = (doc.info as Json | undefined) ?? {};
  const paths = (doc.paths as Record<string, Json> | undefined) ?? {};
  const operations: Array<{ path: string; method: string; op: Json; tag: string }> = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (op)
        operations.push({
          path,
          method,
          op,
          tag: ((op.tags as string[] | undefined) ?? ["other"])[0] ?? "other",
        });
    }
  }
  const tags = [...new Set(operations.map((o) => o.tag))];
  const schemas = ((doc.components as Json | undefined)?.schemas as Record<string, Schema> | undefined) ?? {};
  const schemes =
    ((doc.components as Json | undefined)?.securitySchemes as Record<string, Json> | undefined) ?? {};
  const servers = ((doc.servers as Json[] | undefined) ?? []).map((s) => `<code>${escapeHtml(s.url)}</code>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(info.title ?? "API")} API reference</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(info.title ?? "API")} API reference</h1>
<p>${escapeHtml(info.description ?? "")}</p>
<p>Version ${escapeHtml(info.version ?? "")}${servers.length ? ` · server ${servers.join(", ")}` : ""} · machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escapeHtml(doc.openapi ?? "")})</p></header>
<main><nav><h2>Operations</h2>${tags
    .map(
      (tag) =>
        `<h4>${escapeHtml(tag)}</h4><ul>${operations
          .filter((o) => o.tag === tag)
          .map(
            (o) =>
              `<li><a href="#${anchor(`${o.method}-${o.path}`)}"><span class="method ${o.method}">${o.method.toUpperCase()}</span> ${escapeHtml(o.path)}</a></li>`,
          )
          .join("")}</ul>`,
    )
    .join("")}</nav>
<h2 id="security">Authentication</h2>${Object.entries(schemes)
    .map(
      ([name, scheme]) =>
        `<p><b>${escapeHtml(name)}</b>: ${escapeHtml(scheme.type)} ${escapeHtml(scheme.scheme ?? "")} (${escapeHtml(scheme.bearerFormat ?? "")}). ${escapeHtml(scheme.description ?? "")}</p>`,
    )
    .join("")}
${tags
  .map(
    (tag) =>
      `<h2 id="tag-${anchor(tag)}">${escapeHtml(tag)}</h2>${operations
        .filter((o) => o.tag === tag)
        .map((o) => renderOperation(o.path, o.method, o.op, schemas))
        .join("\n")}`,
  )
  .join("\n")}
<h2 id="schemas">Schemas</h2>${Object.entries(schemas)
    .map(
      ([name, schema]) =>
        `<section class="op" id="schema-${anchor(name)}"><h3><code>${escapeHtml(name)}</code></h3>${
          schema.description ? `<p>${escapeHtml(schema.description)}</p>` : ""
        }<pre>${renderSchema(schema)}</pre></section>`,
    )
    .join("\n")}
</main></body></html>`;
}

async function sha256Base64(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...digest));
}

/**
 * GET /docs: a readable reference rendered on the server from the same document as
 * /openapi.json. It loads nothing from anywhere (no scripts, no CDN); the CSP says so.
 */
export function registerDocs(app: OpenAPIHono<AppEnv>, config: OpenApiObjectConfig): void {
  let page: Promise<{ html: string; csp: string }> | null = null;
  const build = async () => {
    const html = renderReference(app.getOpenAPI31Document(config) as unknown as Json);
    const csp = `default-src 'none'; style-src 'sha256-${await sha256Base64(STYLE)}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
    return { html, csp };
  };
  app.get("/docs", async (c) => {
    // routes are all registered by the first request; the page is built once
    page ??= build().catch((error: unknown) => {
      page = null;
      throw error;
    });
    const { html, csp } = await page;
    c.header("content-security-policy", csp);
    c.header("x-content-type-options", "nosniff");
    return c.html(html);
  });
}
