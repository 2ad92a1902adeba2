import { hotApiRoute } from "@/server/http/api-route";
import { submitLabelsRoute } from "@/server/http/labelling-routes";

/** See submitLabelsRoute. The custom server answers this path itself (server/http/fast-path.ts). */
export const POST = hotApiRoute(submitLabelsRoute);
