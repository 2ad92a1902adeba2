import { listEnvs } from "@/envs/index";
import { apiRoute, json } from "@/server/http/api-route";

export const GET = apiRoute(async () => json(listEnvs()));
