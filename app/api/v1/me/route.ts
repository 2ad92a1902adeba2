import { apiRoute, json } from "@/server/http/api-route";

export const GET = apiRoute(async ({ caller }) => json(caller));
