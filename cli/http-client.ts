/**
 * The CLI's HTTP client for `/api/v1`: sends the bearer token, unwraps `{ data }`, and turns
 * `{ error: { code, message, fieldErrors } }` (or an unreachable server) into a `CliError` with a readable message.
 */
import fs from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** An error for the user: printed as `error: <message>`, then the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = "CliError";
  }
}

interface ErrorEnvelope {
  error?: { code?: string; message?: string; fieldErrors?: Record<string, string[]> };
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  /** JSON request → `data`; `null` for 204. */
  async request<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T | null> {
    const res = await this.send(method, path, body);
    if (res.status === 204) return null;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      throw new CliError(`${method} ${path}: the server answered ${res.status} with something that is not JSON (is ${this.baseUrl} a Corrective server?)`);
    }
    if (!res.ok) throw apiError(method, path, res.status, parsed);
    return (parsed as { data: T }).data;
  }

  /** Streams a successful response body to `file`; returns the response headers. */
  async download(path: string, file: string, accept?: string): Promise<Headers> {
    const res = await this.send("GET", path, undefined, accept);
    if (!res.ok) {
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      throw apiError("GET", path, res.status, parsed);
    }
    if (!res.body) throw new CliError(`GET ${path}: empty response`);
    await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>), fs.createWriteStream(file));
    return res.headers;
  }

  private async send(method: string, path: string, body?: unknown, accept = "application/json"): Promise<Response> {
    const headers: Record<string, string> = { accept };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const url = new URL(path, this.baseUrl);
    try {
      return await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new CliError(`cannot reach ${url.origin} (${why}); is the server running? Set --url or CORRECTIVE_URL.`);
    }
  }
}

function apiError(method: string, path: string, status: number, body: unknown): CliError {
  const e = (body as ErrorEnvelope | null)?.error;
  const message = e?.message ?? `HTTP ${status}`;
  const details = Object.entries(e?.fieldErrors ?? {}).map(([field, problems]) => `${field}: ${problems.join("; ")}`);
  const hint = status === 401 ? " Log in with `corrective login` and pass the token with --token or CORRECTIVE_TOKEN." : "";
  return new CliError(`${message} (${method} ${path} → ${status}${e?.code ? ` ${e.code}` : ""}).${hint}`, 1, details);
}
