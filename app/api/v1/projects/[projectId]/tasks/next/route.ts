import { hotApiRoute } from "@/server/http/api-route";
import { claimNextRoute } from "@/server/http/labelling-routes";

/** See claimNextRoute. The custom server answers this path itself (server/http/fast-path.ts); this file serves `next dev` tools and keeps the route in Next's table. */
export const POST = hotApiRoute<{ projectId: string }>(claimNextRoute);
