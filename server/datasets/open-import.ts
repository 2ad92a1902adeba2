/**
 * Reading a dataset file for import: which format the request names, and the validated samples of a `jsonl`
 * file or a LeRobot `.tar`, to be read again in pages for the insert. Creating the round that holds them is
 * the round lifecycle's business (server/rounds/import-dataset.ts).
 */
import { DATASET_FORMATS, type TDatasetFormat } from "../../contracts/datasets";
import { AppError } from "../errors";
import { parseDataset, type Spaces } from "./parse-dataset-file";
import { openLeRobotTar } from "./parse-lerobot-tar";
import type { DatasetSampleInput } from "./write-version";

export function parseFormat(value: string | null): TDatasetFormat {
  const format = value ?? "jsonl";
  if (!(DATASET_FORMATS as readonly string[]).includes(format)) {
    throw new AppError("VALIDATION", `Unknown dataset format "${format}"; use ${DATASET_FORMATS.join(" or ")}`, { fieldErrors: { format: [`must be ${DATASET_FORMATS.join(" or ")}`] } });
  }
  return format as TDatasetFormat;
}

/** The samples of an import and how to read them in pages for the insert (LeRobot rows are validated as they are read). */
export interface ImportSource {
  samples: number;
  episodes: number;
  batches: () => AsyncIterable<DatasetSampleInput[]> | Iterable<DatasetSampleInput[]>;
}

const JSONL_PAGE = 5000;

export async function openImport(format: TDatasetFormat, body: Uint8Array | string, spaces: Spaces): Promise<ImportSource> {
  if (format === "lerobot") {
    const source = await openLeRobotTar(typeof body === "string" ? new TextEncoder().encode(body) : body, spaces);
    return {
      samples: source.samples,
      // Counted as the rows are read (the rows are validated while they are staged): final after batches().
      get episodes() {
        return source.episodes;
      },
      batches: source.pages,
    };
  }
  const { samples, episodes } = await parseDataset(typeof body === "string" ? body : new TextDecoder().decode(body), spaces);
  return {
    samples: samples.length,
    episodes,
    *batches() {
      for (let i = 0; i < samples.length; i += JSONL_PAGE) yield samples.slice(i, i + JSONL_PAGE);
    },
  };
}
