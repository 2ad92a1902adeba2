/**
 * fetch with the error envelope as typed errors and retries for transient failures (503, unreachable). Retrying
 * is safe for what this client sends more than once: rollouts and frames carry client ids and are stored once.
 */
import { errorFromResponse, UnavailableError } from "./errors";

export interface HttpOptions {
  url: string;
  token?: string;
  retries?: number;
  backoffMs?: number;
  fetch?: typeof fetch;
}

export class Http {
  readonly url: string;
  token: string | undefined;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: HttpOptions) {
    this.url = opts.url.replace(/\/+$/, "");
    this.token = opts.token;
    this.retries = opts.retries ?? 3;
    this.backoffMs = opts.backoffMs ?? 500;
    this.fetchImpl = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async request(method: string, path: string, init: { json?: unknown; body?: Uint8Array; contentType?: string; accept?: string; retry?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: init.accept ?? "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body: BodyInit | undefined;
    if (init.body) {
      body = init.body as BodyInit;
      headers["content-type"] = init.contentType ?? "application/octet-stream";
    } else if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers["content-type"] = "application/json";
    }
    const attempts = init.retry === false ? 1 : this.retries + 1;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchImpl(this.url + path, { method, headers, body });
      } catch (err) {
        if (attempt + 1 < attempts) {
          await sleep(this.backoffMs * 2 ** attempt);
          continue;
        }
        throw new UnavailableError(`cannot reach ${this.url}: ${(err as Error).message}`, "UNAVAILABLE");
      }
      if (res.ok) return res;
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: the status says enough
      }
      if ([502, 503, 504].includes(res.status) && attempt + 1 < attempts) {
        await sleep(this.backoffMs * 2 ** attempt);
        continue;
      }
      throw errorFromResponse(res.status, parsed, res.headers.get("retry-after"));
    }
  }

  /** A JSON call: the envelope's `data` (undefined for 204). */
  async json<T>(method: string, path: string, body?: unknown, opts: { retry?: boolean } = {}): Promise<T> {
    const res = await this.request(method, path, { json: method === "GET" ? undefined : (body ?? {}), retry: opts.retry });
    if (res.status === 204) return undefined as T;
    return ((await res.json()) as { data: T }).data;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
