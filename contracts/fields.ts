/**
 * Field schemas shared by the response shapes of the contracts (what the services return, as output): ids,
 * timestamps and actions as they cross the API. The `meta` formats end up in the OpenAPI document.
 */
import { z } from "zod";

/** A row id (a UUID, as the database gives it). */
export const zId = (description?: string) => z.string().meta({ format: "uuid", ...(description ? { description } : {}) });
/** A timestamp as ISO 8601 text (`Date#toISOString`). */
export const zTimestamp = () => z.string().meta({ format: "date-time" });
/** An action as JSON: a number (discrete) or a vector (box). */
export const ZActionOut = z.union([z.number(), z.array(z.number())]);
