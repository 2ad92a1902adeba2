import { hotApiRoute } from "@/server/http/api-route";
import { submitLabelRoute } from "@/server/http/labelling-routes";

/** See submitLabelRoute. The custom server answers this path itself (server/http/fast-path.ts). */
export const POST = hotApiRoute<{ taskId: string }>(submitLabelRoute);
