import { parseFormat } from "@/server/datasets/open-import";
import { exportDatasetJsonl } from "@/server/datasets/export-dataset";
import { exportDatasetLeRobot } from "@/server/datasets/export-dataset-lerobot";
import { resolveDatasetVersion } from "@/server/datasets/resolve-dataset-version";
import { apiRoute } from "@/server/http/api-route";

/**
 * `{version}` is a number or `latest`. `?format=jsonl` (default): streamed JSON Lines. `?format=lerobot`:
 * a LeRobotDataset v3.0 directory as one streamed `.tar` (docs/FORMATS.md). Another format: 400 naming both.
 */
export const GET = apiRoute<{ projectId: string; version: string }>(async ({ req, db, caller, params }) => {
  const format = parseFormat(new URL(req.url).searchParams.get("format"));
  const version = await resolveDatasetVersion(db, caller, params.projectId, params.version);
  const out = format === "lerobot" ? await exportDatasetLeRobot(db, caller, params.projectId, version) : await exportDatasetJsonl(db, caller, params.projectId, version);
  return new Response(out.stream, {
    headers: {
      "content-type": format === "lerobot" ? "application/x-tar" : "application/x-ndjson",
      "content-disposition": `attachment; filename="dataset-v${version}.${format === "lerobot" ? "lerobot.tar" : "jsonl"}"`,
      "x-dataset-version": String(version),
      "x-sample-count": String(out.sampleCount),
      "x-checksum": out.checksum,
    },
  });
});
