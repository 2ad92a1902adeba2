/** A small JSON client for the real server's `/api/v1`, authenticated by a bearer token. */
export class ApiClient {
  constructor(readonly base: string, readonly token?: string) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (JSONL export, binary): keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get = (path: string) => this.call("GET", path);
  post = (path: string, body?: unknown) => this.call("POST", path, body ?? {});

  /** POST/GET that must succeed: returns `data`, throws with the server's error otherwise. */
  async ok(method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<any> {
    const res = await this.call(method, path, method === "GET" ? undefined : (body ?? {}));
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(res.body)}`);
    return (res.body as { data: unknown })?.data;
  }

  static async signUpAndLogin(base: string, name: string, email: string, password = "long enough password"): Promise<ApiClient> {
    const anon = new ApiClient(base);
    const signup = await anon.call("POST", "/api/v1/auth/signup", { name, email, password });
    if (signup.status !== 202) throw new Error(`sign-up ${email}: ${signup.status} ${JSON.stringify(signup.body)}`);
    const login = await anon.call("POST", "/api/v1/auth/login", { email, password });
    if (login.status !== 201) throw new Error(`login ${email}: ${login.status} ${JSON.stringify(login.body)}`);
    return new ApiClient(base, login.body.data.token);
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 120_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/**
 * A 204 from `tasks/next` with `Retry-After`: tasks this caller may label are held by others right now, so the
 * round is not done for them yet — wait and ask again (a plain 204 means nothing is left for them).
 */
export const tasksWaiting = (res: { status: number; headers: Headers }) => res.status === 204 && res.headers.get("retry-after") !== null;

