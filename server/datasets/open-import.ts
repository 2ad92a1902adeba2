/**
 * Reading a dataset file for import: which format the request names, and the samples of a `jsonl` file or a
 * LeRobot `.tar`, read and validated in pages as the insert takes them. Creating the round that holds them is
 * the round lifecycle's business (server/rounds/import-dataset.ts).
 */
import { DATASET_FORMATS, type TDatasetFormat } from "../../contracts/datasets";
import type { TObservationSpace } from "../../contracts/spaces";
import { AppError } from "../errors";
import { jsonlPages, type JsonlCounts, type Spaces } from "./parse-dataset-file";
import { openLeRobotTar } from "./parse-lerobot-tar";
import type { DatasetSampleInput } from "./write-version";

export function parseFormat(value: string | null): TDatasetFormat {
  const format = value ?? "jsonl";
  if (!(DATASET_FORMATS as readonly string[]).includes(format)) {
    throw new AppError("VALIDATION", `Unknown dataset format "${format}"; use ${DATASET_FORMATS.join(" or ")}`, { fieldErrors: { format: [`must be ${DATASET_FORMATS.join(" or ")}`] } });
  }
  return format as TDatasetFormat;
}

/**
 * The samples of an import and how to read them in pages for the insert (rows and lines are validated as they
 * are read). `samples` and `episodes` are final once `batches()` is done (a JSONL file's are counted as it is read).
 */
export interface ImportSource {
  readonly samples: number;
  readonly episodes: number;
  batches: () => AsyncIterable<DatasetSampleInput[]> | Iterable<DatasetSampleInput[]>;
}

const JSONL_PAGE = 5000;

export async function openImport(format: TDatasetFormat, body: Uint8Array | string | string[], spaces: Spaces & { observation?: TObservationSpace; envId?: string | null }): Promise<ImportSource> {
  if (format === "lerobot") {
    const source = await openLeRobotTar(body instanceof Uint8Array ? body : new TextEncoder().encode(typeof body === "string" ? body : body.join("")), spaces);
    return {
      samples: source.samples,
      // Counted as the rows are read (the rows are validated while they are staged): final after batches().
      get episodes() {
        return source.episodes;
      },
      batches: source.pages,
    };
  }
  const counts: JsonlCounts = { samples: 0, episodes: 0 };
  const pages = jsonlPages(body instanceof Uint8Array ? new TextDecoder().decode(body) : body, spaces, counts, JSONL_PAGE);
  // The first page is read now, before the import reserves its round: an empty file, or a bad line among the
  // first JSONL_PAGE, is refused before anything is written; later lines are validated as they are staged.
  let first: IteratorResult<DatasetSampleInput[]> | null = await pages.next();
  return {
    // Counted as the lines are read: final after batches().
    get samples() {
      return counts.samples;
    },
    get episodes() {
      return counts.episodes;
    },
    async *batches() {
      const page = first;
      first = null; // not kept for the rest of the import
      if (page && !page.done) yield page.value;
      yield* pages;
    },
  };
}
