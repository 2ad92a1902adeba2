import { hotApiRoute } from "@/server/http/api-route";
import { heartbeatRoute } from "@/server/http/labelling-routes";

/** See heartbeatRoute. The custom server answers this path itself (server/http/fast-path.ts). */
export const POST = hotApiRoute<{ taskId: string }>(heartbeatRoute);
