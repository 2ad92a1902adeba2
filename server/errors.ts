/**
 * The one error type of the domain layer. Services throw `AppError`s with a code; the HTTP and socket
 * edges map codes to statuses / acknowledgements in `server/http/respond.ts` (a batch of labels answers one status per label, from the same table in contracts/errors.ts).
 */
import { ZodError } from "zod";
import type { TErrorCode } from "../contracts/errors";

/** The codes are listed once, with their HTTP statuses, in contracts/errors.ts. */
export type ErrorCode = TErrorCode;

export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: { fieldErrors?: FieldErrors; retryAfterSeconds?: number },
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (what = "Not found") => new AppError("NOT_FOUND", what);

/** A value that is well-formed but wrong for this project (e.g. an action outside the action space): 422. */
export const unprocessable = (field: string, problem: string) =>
  new AppError("UNPROCESSABLE", `${field}: ${problem}`, { fieldErrors: { [field]: [problem] } });

const CONNECTION_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P03", "08006", "08001"]);

/** Normalises anything thrown into an AppError: validation, database outages and bugs included. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return new AppError("VALIDATION", "Invalid input", { fieldErrors: zodFieldErrors(err) });
  if (isDatabaseUnavailable(err)) return new AppError("UNAVAILABLE", "The database is unavailable; try again shortly");
  console.error("[error]", err);
  return new AppError("INTERNAL", "Internal error");
}

/**
 * A lost or refused database connection, wherever it surfaces: pg's own errors, or wrapped by drizzle
 * ("Failed query: …" with the connection error as its `cause`), or several at once (AggregateError).
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 5) return false;
  const code = (err as { code?: string }).code;
  if (code && CONNECTION_ERRORS.has(code)) return true;
  if (/timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|connection error and is not queryable|Connection ended/i.test(err.message)) return true;
  if (err instanceof AggregateError && err.errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(err.cause, depth + 1);
}

export function zodFieldErrors(err: ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of err.issues) {
    const key = issue.path.join(".") || "_";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}
