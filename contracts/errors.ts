/**
 * The error codes of the API and the sockets, each with its HTTP status: the one list. Services throw them
 * (`AppError`, server/errors.ts), server/http/respond.ts answers with these statuses, and the OpenAPI document
 * (contracts/openapi.ts) describes one response per status.
 */
import { z } from "zod";

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

const ZFieldErrors = z.record(z.string(), z.array(z.string())).describe("Messages per field; the key is the dotted path of the field (`_` for the whole body).");
/** The body of every error answer (server/http/respond.ts builds it). */
export const ZErrorBody = z.object({
  error: z.object({
    code: z.enum(API_ERROR_CODES),
    message: z.string().describe("A sentence for people; never a stack trace."),
    fieldErrors: ZFieldErrors.optional(),
    details: z.object({ fieldErrors: ZFieldErrors }).optional().describe("The same field errors, kept for older clients."),
  }),
});
export type TErrorBody = z.output<typeof ZErrorBody>;
