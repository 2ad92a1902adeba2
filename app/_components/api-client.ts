/**
 * Browser-side fetch helpers for `/api/v1`: JSON in, `{ data }` out, errors as `ApiError` with the server's
 * code and message (see server/http/respond.ts). A network failure is `ApiError` with status 0.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldErrors?: Record<string, string[]>,
  ) {
    super(message);
    this.name = "ApiError";
  }
  /** Worth retrying: the request never got an answer, or the server/database was briefly unavailable. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export interface ApiResult<T> {
  status: number;
  data: T | null;
}

/** Calls the API; 2xx → `{ status, data }` (data null for 204), anything else throws `ApiError`. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; keepalive?: boolean; signal?: AbortSignal } = {}): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: init.body === undefined ? {} : { "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: "same-origin",
      cache: "no-store",
      keepalive: init.keepalive,
      signal: init.signal,
    });
  } catch (err) {
    if ((err as Error)?.name === "AbortError") throw err;
    throw new ApiError(0, "NETWORK", "Could not reach the server");
  }
  if (res.status === 204) return { status: 204, data: null };
  const body = (await res.json().catch(() => null)) as { data?: T; error?: { code?: string; message?: string; fieldErrors?: Record<string, string[]> } } | null;
  if (!res.ok) {
    const fields = Object.values(body?.error?.fieldErrors ?? {}).flat();
    throw new ApiError(res.status, body?.error?.code ?? "HTTP", fields[0] ?? body?.error?.message ?? `Request failed (${res.status})`, body?.error?.fieldErrors);
  }
  return { status: res.status, data: (body?.data ?? null) as T | null };
}

/** `api` for calls that must return data. */
export async function apiData<T>(path: string, init?: Parameters<typeof api>[1]): Promise<T> {
  const { data } = await api<T>(path, init);
  return data as T;
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** RFC 4122 v4 id; `crypto.randomUUID` only exists in secure contexts, so fall back to getRandomValues. */
export function uuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
