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

/**
 * One camera's frame of a state whose observation has images (a `Dict` space): its key, the frame's id and the
 * path the browser fetches it from. A state lists its cameras in camera-key order (`cameraKeys`); the first is
 * the main camera (the state's `frameUrl` unless the step carries its own picture for people).
 */
export const ZCameraFrame = z.object({ camera: z.string(), frameId: zId(), url: z.string() });
export type TCameraFrame = z.output<typeof ZCameraFrame>;
