import { exportDatasetJsonl } from "@/server/datasets/export-dataset";
import { AppError } from "@/server/errors";
import { apiRoute, intParam } from "@/server/http/api-route";

export const GET = apiRoute<{ projectId: string; version: string }>(async ({ req, db, caller, params }) => {
  const format = new URL(req.url).searchParams.get("format") ?? "jsonl";
  if (format !== "jsonl") throw new AppError("VALIDATION", `Unknown export format "${format}"; use jsonl`, { fieldErrors: { format: ["must be jsonl"] } });
  const version = intParam(params.version);
  const out = await exportDatasetJsonl(db, caller, params.projectId, version);
  return new Response(out.stream, {
    headers: {
      "content-type": "application/x-ndjson",
      "content-disposition": `attachment; filename="dataset-v${version}.jsonl"`,
      "x-sample-count": String(out.sampleCount),
      "x-checksum": out.checksum,
    },
  });
});
