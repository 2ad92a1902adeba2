/** API tokens as they cross the API (`Authorization: Bearer crv_…`). */
import { z } from "zod";
import { zId, zTimestamp } from "./fields";

/** Every API token expires: 90 days unless chosen otherwise at creation, at most a year. */
export const TOKEN_DEFAULT_DAYS = 90;
export const TOKEN_MAX_DAYS = 365;
/** Tokens minted by `POST /api/v1/auth/login` (the CLI's sign-in) live this long. */
export const LOGIN_TOKEN_HOURS = 12;

export const ZCreateToken = z
  .object({
    name: z.string().trim().min(1, "Name is required").max(100),
    expiresInDays: z
      .int("Whole days")
      .min(1, "At least 1 day")
      .max(TOKEN_MAX_DAYS, `At most ${TOKEN_MAX_DAYS} days`)
      .default(TOKEN_DEFAULT_DAYS)
      .describe(`Days until the token stops working (default ${TOKEN_DEFAULT_DAYS}, at most ${TOKEN_MAX_DAYS}).`),
  })
  .strict();
export type TCreateToken = z.infer<typeof ZCreateToken>;

export const ZTokenCreated = z.object({
  id: zId(),
  name: z.string(),
  prefix: z.string().describe("The first characters of the token, to recognise it in lists."),
  createdAt: zTimestamp(),
  expiresAt: zTimestamp().describe("After this the token answers 401 (`This API token expired on …`)."),
  token: z.string().describe("The token itself (`crv_…`). Only its hash is stored: this is the only time it is shown."),
});
export type TTokenCreated = z.output<typeof ZTokenCreated>;
export const ZTokenSummary = z.object({
  id: zId(),
  name: z.string(),
  prefix: z.string(),
  createdAt: zTimestamp(),
  lastUsedAt: zTimestamp().nullable(),
  expiresAt: zTimestamp().describe("Expired tokens stay listed (until revoked) and answer 401."),
});
export type TTokenSummary = z.output<typeof ZTokenSummary>;
