/** `GET /api/health` (server/health/check-health.ts): whether the database answers. */
import { z } from "zod";

export const ZHealthView = z.object({
  status: z.enum(["ok", "unavailable"]),
  db: z.enum(["pglite", "postgres"]),
  version: z.string(),
  reason: z.string().optional(),
});
export type THealth = z.output<typeof ZHealthView>;
