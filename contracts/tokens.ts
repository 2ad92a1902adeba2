/** API tokens as they cross the API (`Authorization: Bearer crv_…`). */
import { z } from "zod";

export const ZCreateToken = z.object({ name: z.string().trim().min(1, "Name is required").max(100) }).strict();
export type TCreateToken = z.infer<typeof ZCreateToken>;
