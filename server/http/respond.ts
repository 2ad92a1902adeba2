/**
 * The single place where domain errors become HTTP responses and socket acknowledgements.
 */
import { ZodError } from "zod";
import { AppError, type ErrorCode, type FieldErrors } from "../errors";
import type { AckError } from "../../contracts/realtime";

const STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

const CONNECTION_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P03", "08006", "08001"]);

/** Normalises anything thrown into an AppError: validation, database outages and bugs included. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return new AppError("VALIDATION", "Invalid input", { fieldErrors: zodFieldErrors(err) });
  if (isDatabaseUnavailable(err)) return new AppError("UNAVAILABLE", "The database is unavailable; try again shortly");
  console.error("[error]", err);
  return new AppError("INTERNAL", "Internal error");
}

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code;
  if (code && CONNECTION_ERRORS.has(code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED/i.test(err.message);
}

export function zodFieldErrors(err: ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of err.issues) {
    const key = issue.path.join(".") || "_";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; fieldErrors?: FieldErrors };
}

export function errorResponse(err: unknown): Response {
  const e = toAppError(err);
  const body: ErrorBody = { error: { code: e.code, message: e.message, ...(e.details?.fieldErrors ? { fieldErrors: e.details.fieldErrors } : {}) } };
  const headers: Record<string, string> = {};
  if (e.details?.retryAfterSeconds) headers["retry-after"] = String(e.details.retryAfterSeconds);
  return Response.json(body, { status: STATUS[e.code], headers });
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

/** Reads a JSON body; a body that is not JSON is a validation error, not a 500. */
export async function readJson(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    throw new AppError("VALIDATION", "Request body must be JSON");
  }
}
