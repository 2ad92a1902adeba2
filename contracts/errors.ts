/**
 * The error codes of the API and the sockets, each with its HTTP status: the one list. Services throw them
 * (`AppError`, server/errors.ts), server/http/respond.ts answers with these statuses, and the OpenAPI document
 * (contracts/openapi.ts) describes one response per status.
 */
export const API_ERROR_CODES = ["VALIDATION", "UNPROCESSABLE", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "METHOD_NOT_ALLOWED", "CONFLICT", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "RATE_LIMITED", "UNAVAILABLE", "INTERNAL"] as const;
export type TErrorCode = (typeof API_ERROR_CODES)[number];

export const ERROR_HTTP_STATUS: Readonly<Record<TErrorCode, number>> = {
  VALIDATION: 400,
  UNPROCESSABLE: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};
