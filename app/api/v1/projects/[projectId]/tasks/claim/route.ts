import { hotApiRoute } from "@/server/http/api-route";
import { claimTasksRoute } from "@/server/http/labelling-routes";

/** See claimTasksRoute. The custom server answers this path itself (server/http/fast-path.ts). */
export const POST = hotApiRoute<{ projectId: string }>(claimTasksRoute);
