/** Typed errors: one class per error code of the server's envelope (docs/API.md), plus the client's own checks. */
import type { TErrorBody as ErrorBody } from "../../../contracts/errors";
export type FieldErrors = Record<string, string[]>;

export class CorrectiveError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number | null = null,
    readonly fieldErrors: FieldErrors = {},
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
/** 400: the body is not what the API expects. */
export class ValidationError extends CorrectiveError {}
/** 401: no, wrong or revoked token; wrong email or password. */
export class AuthenticationError extends CorrectiveError {}
/** 403: the caller's role in the project is too low. */
export class PermissionDeniedError extends CorrectiveError {}
/** 404: not found, or a project the caller is not a member of. */
export class NotFoundError extends CorrectiveError {}
/** 409: the round is in another phase (rollouts for a labelling round, a second round while one runs…). */
export class RoundStateError extends CorrectiveError {}
/** 413: a body or frame over its limit. */
export class PayloadTooLargeError extends CorrectiveError {}
/** 422: well-formed but wrong for this project (an action outside the space, a frame that is not PNG/JPEG). */
export class UnprocessableError extends CorrectiveError {}
/** An observation or action that does not fit the project's space (checked before uploading). */
export class SpaceError extends UnprocessableError {}
/** A frame that is not an H×W×3 image or PNG/JPEG bytes. */
export class FrameError extends UnprocessableError {}
/** 429: wait `retryAfterSeconds`. */
export class RateLimitedError extends CorrectiveError {}
/** 503 or unreachable: retry shortly. */
export class UnavailableError extends CorrectiveError {}
/** 500: a server bug. */
export class ServerError extends CorrectiveError {}
/** `round.waitFor` saw the round fail. */
export class RoundFailedError extends CorrectiveError {}
/** `round.waitFor` ran out of time. */
export class WaitTimeoutError extends CorrectiveError {}

const BY_CODE: Record<string, typeof CorrectiveError> = {
  VALIDATION: ValidationError,
  UNAUTHENTICATED: AuthenticationError,
  FORBIDDEN: PermissionDeniedError,
  NOT_FOUND: NotFoundError,
  CONFLICT: RoundStateError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  UNPROCESSABLE: UnprocessableError,
  RATE_LIMITED: RateLimitedError,
  UNAVAILABLE: UnavailableError,
  INTERNAL: ServerError,
};

/** The typed error for a failed response's envelope. */
export function errorFromResponse(status: number, body: unknown, retryAfter: string | null): CorrectiveError {
  const err = (body as Partial<ErrorBody> | null)?.error;
  const code = err?.code ?? (status >= 500 ? "INTERNAL" : "ERROR");
  const Cls = BY_CODE[code] ?? CorrectiveError;
  return new Cls(err?.message ?? `HTTP ${status}`, code, status, err?.fieldErrors ?? {}, retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null);
}
