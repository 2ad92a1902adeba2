/**
 * The one error type of the domain layer. Services throw `AppError`s with a code; the HTTP and socket
 * edges map codes to statuses / acknowledgements in `server/http/respond.ts`, nowhere else.
 */
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
