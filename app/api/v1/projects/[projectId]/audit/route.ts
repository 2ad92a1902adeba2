import { listAuditLog } from "@/server/audit/list-audit-log";
import { apiRoute, json } from "@/server/http/api-route";

export const GET = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) =>
  json(await listAuditLog(db, caller, params.projectId, Object.fromEntries(new URL(req.url).searchParams))),
);
