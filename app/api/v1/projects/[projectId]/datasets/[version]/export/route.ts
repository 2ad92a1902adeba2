import { parseFormat } from "@/server/datasets/import-dataset";
import { exportDatasetJsonl, exportDatasetLeRobot } from "@/server/datasets/export-dataset";
import { apiRoute, intParam } from "@/server/http/api-route";

/** `?format=jsonl` (default): streamed JSON Lines. `?format=lerobot`: the LeRobot-style bundle as one JSON document. */
export const GET = apiRoute<{ projectId: string; version: string }>(async ({ req, db, caller, params }) => {
  const format = parseFormat(new URL(req.url).searchParams.get("format"));
  const version = intParam(params.version);
  if (format === "lerobot") {
    const out = await exportDatasetLeRobot(db, caller, params.projectId, version);
    return Response.json(out.bundle, {
      headers: {
        "content-disposition": `attachment; filename="dataset-v${version}.lerobot.json"`,
        "x-sample-count": String(out.sampleCount),
        "x-checksum": out.checksum,
      },
    });
  }
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
