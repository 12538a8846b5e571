/** A tiny cookie-keeping client for driving the console through `app.request` (no browser). */
export interface AgentResponse {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
}

export class Agent {
  readonly cookies = new Map<string, string>();
  /** The last page's CSRF token (the `csrf` field or the csrf-token meta tag). */
  csrf = "";

  constructor(
    private readonly app: { request(input: string, init?: RequestInit): Response | Promise<Response> },
    private readonly origin: string,
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async request(
    method: string,
    path: string,
    options: { form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<AgentResponse> {
    const headers = new Headers({ ...this.extraHeaders, ...options.headers });
    if (this.cookies.size) headers.set("cookie", this.cookieHeader());
    let body: string | undefined;
    if (options.form) {
      headers.set("content-type", "application/x-www-form-urlencoded");
      body = new URLSearchParams(options.form).toString();
    } else if (options.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(options.json);
    }
    const response = await this.app.request(`${this.origin}${path}`, { method, headers, body });
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
      const index = pair.indexOf("=");
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      if (attributes.some((a) => /^max-age=0$/i.test(a)) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    const token =
      /name="csrf" value="([^"]+)"/.exec(text)?.[1] ?? /name="csrf-token" content="([^"]+)"/.exec(text)?.[1];
    if (token) this.csrf = token;
    return {
      status: response.status,
      headers: response.headers,
      text,
      location: response.headers.get("location"),
    };
  }

  get(path: string, headers?: Record<string, string>): Promise<AgentResponse> {
    return this.request("GET", path, { headers });
  }

  /** A form post carrying the last page's CSRF token (unless the form sets its own). */
  post(
    path: string,
    form: Record<string, string> = {},
    headers?: Record<string, string>,
  ): Promise<AgentResponse> {
    return this.request("POST", path, { form: { csrf: this.csrf, ...form }, headers });
  }
}

/** The text of the element with this id (tags stripped), for field error assertions. */
export function textOf(html: string, id: string): string {
  const match = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`).exec(html);
  return (match?.[1] ?? "").replace(/<[^>]+>/g, "").trim();
}
