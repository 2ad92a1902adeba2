import { buildOpenApiDocument } from "@/contracts/openapi";
import { getContext } from "@/server/context";
import { route } from "@/server/http/respond";

/** The OpenAPI 3.1 document of this API, generated from the contracts' zod schemas (no authentication). */
export const GET = route(async () => Response.json(buildOpenApiDocument(getContext().version), { headers: { "cache-control": "no-cache" } }));
