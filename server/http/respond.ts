/**
 * The single place where domain errors become HTTP responses and socket acknowledgements.
 */
import { AppError, toAppError } from "../errors";
import { ERROR_HTTP_STATUS, type TErrorBody } from "../../contracts/errors";
import type { AckError } from "../../contracts/realtime";

const STATUS = ERROR_HTTP_STATUS;

/** What an error answers over HTTP: status, body and headers (for Next's route handlers and the fast path). */
export function errorPayload(err: unknown): { status: number; body: TErrorBody; headers: Record<string, string> } {
  const e = toAppError(err);
  const fieldErrors = e.details?.fieldErrors;
  const body: TErrorBody = { error: { code: e.code, message: e.message, ...(fieldErrors ? { fieldErrors, details: { fieldErrors } } : {}) } };
  const headers: Record<string, string> = {};
  if (e.details?.retryAfterSeconds) headers["retry-after"] = String(e.details.retryAfterSeconds);
  return { status: STATUS[e.code], body, headers };
}

export function errorResponse(err: unknown): Response {
  const { status, body, headers } = errorPayload(err);
  return Response.json(body, { status, headers });
}

export function toAck(err: unknown): AckError {
  const e = toAppError(err);
  return { ok: false, error: { code: e.code, message: e.message } };
}

/** Wraps a route handler body: anything thrown becomes the mapped error response. */
export function route<A extends unknown[]>(fn: (...args: A) => Promise<Response>): (...args: A) => Promise<Response> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      return errorResponse(err);
    }
  };
}

export const MAX_JSON_BYTES = 8 * 1024 * 1024;
/** Rollouts and demonstrations: long episodes with observations. */
export const MAX_ROLLOUT_JSON_BYTES = 32 * 1024 * 1024;
/** Dataset imports (JSONL). */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

/** Reads a JSON body (at most `maxBytes`, else 413); a body that is not JSON is a validation error, not a 500. */
export async function readJson(req: Request, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  return parseJsonBody(await readBody(req, maxBytes).then((b) => new TextDecoder().decode(b)));
}

/** A body's text as JSON: empty is undefined, anything not JSON a validation error (Next's routes and the fast path). */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("VALIDATION", "Request body must be JSON");
  }
}

/** Reads a raw body, refusing (413) anything over `maxBytes` without buffering all of it. */
export async function readBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  await forEachBodyChunk(req, maxBytes, (chunk) => {
    chunks.push(chunk);
    size += chunk.byteLength;
  });
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * The body's chunks as they arrive, for a consumer that streams them on (a `.tar` import); over `maxBytes`
 * (declared or streamed) → 413 from the iteration. Stopping early cancels the rest of the body.
 */
export async function* bodyChunks(req: Request, maxBytes: number): AsyncGenerator<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return;
  const reader = req.body.getReader();
  let size = 0;
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      size += value.byteLength;
      if (size > maxBytes) throw tooLarge(maxBytes);
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
  }
}

/** Hands each chunk of the body to `onChunk` as it arrives; over `maxBytes` (declared or streamed) → 413. */
export async function forEachBodyChunk(req: Request, maxBytes: number, onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<void> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return;
  const reader = req.body.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    await onChunk(value);
  }
}

export const tooLarge = (maxBytes: number) => new AppError("PAYLOAD_TOO_LARGE", `Body larger than ${Math.round(maxBytes / 1024)} KiB`);
